import net from 'node:net';
import { type App, createService, loadConfig } from '@mercato/kit';
import { TEST_REDIS_URL, testAuth, uniqueName } from '@mercato/testing';
import { Type } from 'typebox';
import { buildApp } from '../src/app.ts';
import { type GatewayConfig, gatewayConfigSchema } from '../src/config.ts';

interface Teardownable {
  teardown(fn: () => unknown): void;
}

export interface FakeUpstream {
  url: string;
  app: App;
  /** requests that reached a handler, by route */
  hits: Record<string, number>;
}

/** A real upstream built with the kit (problem+json, request ids, OpenAPI), listening on port 0. */
export async function startIdentityLike(t: Teardownable): Promise<FakeUpstream> {
  const app = await createService({ name: 'identity', logLevel: 'silent', openapi: { title: 'identity' } });
  const hits: Record<string, number> = {};
  const count = (route: string) => {
    hits[route] = (hits[route] ?? 0) + 1;
  };
  let releaseHanging: () => void = () => {};
  const hanging = new Promise<void>((resolve) => {
    releaseHanging = resolve;
  });

  app.get('/auth/echo', { schema: { summary: 'Echoes what the upstream received' } }, async (request) => {
    count('echo');
    return {
      service: 'identity',
      url: request.url,
      requestId: request.id,
      forwardedFor: request.headers['x-forwarded-for'] ?? null,
      authorization: request.headers.authorization ?? null,
    };
  });
  app.post(
    '/auth/echo',
    { schema: { body: Type.Object({ name: Type.String() }, { additionalProperties: false }) } },
    async (request) => {
      count('echo-post');
      return { received: request.body };
    },
  );
  // What an invoice looks like to the gateway: a PDF the upstream would let caches keep.
  app.get('/auth/pdf', { schema: { hide: true } }, async (_request, reply) => {
    count('pdf');
    reply.header('content-type', 'application/pdf').header('cache-control', 'public, max-age=3600');
    return reply.send(Buffer.from('%PDF-1.4\n%%EOF\n'));
  });
  app.get('/users/:id', { schema: { params: Type.Object({ id: Type.String() }) } }, async (request) => {
    count('user');
    return { service: 'identity', id: request.params.id };
  });
  app.get('/auth/hang', { schema: { hide: true } }, async () => {
    count('hang');
    await hanging;
    return { late: true };
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(async () => {
    releaseHanging();
    await app.close();
  });
  return { url, app, hits };
}

export async function startCatalogLike(t: Teardownable): Promise<FakeUpstream> {
  const app = await createService({ name: 'catalog', logLevel: 'silent', openapi: { title: 'catalog' } });
  const hits: Record<string, number> = {};
  app.get('/products/:id', { schema: { params: Type.Object({ id: Type.String() }) } }, async (request) => {
    hits.product = (hits.product ?? 0) + 1;
    return { service: 'catalog', id: request.params.id };
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  return { url, app, hits };
}

/** A URL where nothing listens: a port that was just free. */
export async function closedPortUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export function gatewayConfig(env: Record<string, string>): GatewayConfig {
  return loadConfig(gatewayConfigSchema, {
    PORT: '0',
    LOG_LEVEL: 'silent',
    REDIS_URL: TEST_REDIS_URL,
    JWKS_URL: 'http://127.0.0.1:1/unused',
    // Every test's counters live under their own keys, so parallel runs never share a budget.
    RATE_LIMIT_REDIS_PREFIX: `${uniqueName('gwtest')}:`,
    ...env,
  });
}

export async function startGateway(
  t: Teardownable,
  env: Record<string, string>,
): Promise<{ app: App; auth: Awaited<ReturnType<typeof testAuth>> }> {
  const auth = await testAuth();
  const app = await buildApp(gatewayConfig(env), { jwks: auth.jwks });
  t.teardown(() => app.close());
  await app.ready();
  return { app, auth };
}
