import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { createRequire, flushCompileCache } from 'node:module';
import { hostname } from 'node:os';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import closeWithGrace from 'close-with-grace';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifySchemaCompiler,
  type FastifyServerOptions,
  type RawServerDefault,
} from 'fastify';
import type { JSONWebKeySet } from 'jose';
import { stdTimeFunctions } from 'pino';
import type { TSchema } from 'typebox';
import { uuidv7 } from 'uuidv7';
import { AUTH_PREHANDLER, type AuthOptions, authPlugin, noAuthPlugin } from './auth.ts';
import { isConnectionError } from './connection-errors.ts';
import { BEARER_DESCRIPTION, contractRoute, documentPath, finishDocument } from './contract.ts';
import { dataExceptionProblem, isDataException } from './database-errors.ts';
import { onClientError, onFrameworkError } from './framework-errors.ts';
import { guardJsonDepth } from './hostile-input.ts';
import { markAdminOnlyRoute } from './http.ts';
import { bufferedStdout } from './log-destination.ts';
import { metricsPlugin, ProbeLogController } from './metrics.ts';
import { HttpProblem, PROBLEM_BASE, type ProblemBody, problems } from './problems.ts';
import { redactSecretQuery } from './redact.ts';
import { addResponseCheck, responseCheckEnabled } from './response-check.ts';
import { toIssues, validatorCompiler } from './validation.ts';

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface ServiceOptions {
  /** 'identity' — logs, metrics, OpenAPI title */
  name: string;
  /** default 'info'; tests pass 'silent' */
  logLevel?: string;
  /** Where log lines go (default stdout): tests read them from a stream of their own. */
  logStream?: { write(line: string): void };
  /** default 1 MiB → 413 problem+json above it */
  bodyLimit?: number;
  auth?: { jwksUrl?: string; jwks?: JSONWebKeySet; redis?: AuthOptions['redis'] };
  /** /readyz runs each; 503 if any throws (or takes longer than 2 s) */
  readiness?: Record<string, () => Promise<unknown>>;
  openapi?: {
    title?: string;
    description?: string;
    version?: string;
    /** More components.securitySchemes beside bearerAuth (cart's `cartToken` header). */
    securitySchemes?: Record<string, Record<string, unknown>>;
  };
  /** Fastify's trustProxy: set where request.ip must be the client's (behind an ingress). Default false. */
  trustProxy?: FastifyServerOptions['trustProxy'];
}

const READINESS_TIMEOUT_MS = 2_000;
// A database restart takes seconds: what a 503 for an unreachable backing server asks clients to wait.
const UNAVAILABLE_RETRY_AFTER_S = 5;
// Incoming ids end up in every log line: accept only short, plain ones; otherwise mint our own.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify's request log fields, with the values of credential-like query parameters replaced. */
export function requestForLog(req: FastifyRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: redactSecretQuery(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/** `fn`, made by `make` on its first call: the work of making it is paid only by a process that uses it. */
function onFirstCall<F extends (...args: any[]) => any>(make: () => F): F {
  let made: F | undefined;
  return ((...args: Parameters<F>) => {
    made ??= make();
    return made(...args);
  }) as F;
}

// Fastify compiles every route's validators and response serializers as the app gets ready: with the
// problems every route declares (contract.ts) and the HEAD twin of every GET, hundreds of TypeBox and
// fast-json-stringify compilations, most for answers a process may never send, and a large part of a
// service's start. Each is compiled on its first use instead (that request pays about a millisecond,
// once). fast-json-stringify is loaded then too.
const lazyValidatorCompiler: FastifySchemaCompiler<TSchema> = (route) =>
  onFirstCall(() => validatorCompiler(route));

type SerializerFactory = (
  externalSchemas: unknown,
  options: unknown,
) => (route: { schema?: unknown }) => (data: unknown) => string;
const requireHere = createRequire(import.meta.url);
const lazySerializerFactory: SerializerFactory = (externalSchemas, options) => {
  let compiler: ReturnType<SerializerFactory> | undefined;
  return (route) =>
    onFirstCall(() => {
      // Fastify's own default (what it uses when given no factory), loaded on the first compilation.
      compiler ??= (requireHere('@fastify/fast-json-stringify-compiler') as () => SerializerFactory)()(
        externalSchemas,
        options,
      );
      return compiler(route);
    });
};

export async function createService(opts: ServiceOptions): Promise<App> {
  const app = Fastify({
    logger: {
      level: opts.logLevel ?? 'info',
      // pid/hostname are pino's defaults (the pod name in Kubernetes); service makes lines greppable.
      base: { service: opts.name, pid: process.pid, hostname: hostname() },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // A capability in a link (an invoice's ?token=) is a credential: logs keep that there was one.
      serializers: { req: requestForLog },
      // stdout in batches (log-destination.ts: what a graceful stop and a crash keep); none when silent.
      ...(opts.logStream
        ? { stream: opts.logStream }
        : opts.logLevel === 'silent'
          ? {}
          : { stream: bufferedStdout() }),
      // Correlates log lines with traces: whatever span is active when the line is written.
      mixin() {
        const span = trace.getActiveSpan();
        if (!span) return {};
        const ctx = span.spanContext();
        return isSpanContextValid(ctx) ? { traceId: ctx.traceId, spanId: ctx.spanId } : {};
      },
    },
    // Probes' request lines at debug, every other request's at info (metrics.ts).
    logController: new ProbeLogController(),
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    ...(opts.trustProxy === undefined ? {} : { trustProxy: opts.trustProxy }),
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : uuidv7();
    },
    // Keeps the process from hanging on keep-alive sockets at shutdown (in-flight ones still finish).
    forceCloseConnections: 'idle',
    return503OnClosing: false,
    // Malformed URLs, over-long path parameters and unparseable HTTP answer problem+json too.
    frameworkErrors: onFrameworkError,
    clientErrorHandler: onClientError,
    // Given here, Fastify does not load fast-json-stringify at start. (The validators are set below,
    // with setValidatorCompiler: given here too, @fastify/otel's route spans went missing.)
    schemaController: { compilersFactory: { buildSerializer: lazySerializerFactory } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // A JSON API: a text/plain body (Fastify parses it as a string by default) is the wrong media
  // type, a 415, not a body that fails its schema. A route that takes another type adds its parser.
  app.removeContentTypeParser('text/plain');
  guardJsonDepth(app);
  app.setValidatorCompiler(lazyValidatorCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    sendProblem(request, reply, {
      type: `${PROBLEM_BASE}not-found`,
      title: 'Not Found',
      status: 404,
      detail: `No route for ${request.method} ${request.url.split('?')[0]}`,
    });
  });

  // Fastify reaps idle keep-alive sockets when close() starts, but a socket whose request is in
  // flight turns idle only later and would hold close() open until the keep-alive timeout.
  // Answering those requests with `Connection: close` lets Node end the socket right after.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });

  app.addHook('onRequest', async (request, reply) => {
    // Set early so that every answer, errors included, carries the id the logs use (as `reqId`).
    reply.header('x-request-id', request.id);
    // Replaces Fastify's return503OnClosing so that this answer is a problem+json like the rest.
    if (closing) throw problems.serviceUnavailable('The service is shutting down; retry');
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  // Routes guarded by app.authenticate / requireRole show the lock in Swagger UI. Added before
  // @fastify/swagger so its own onRoute hook sees the `security` entry.
  app.addHook('onRoute', (route) => {
    markAdminOnlyRoute(route as Parameters<typeof markAdminOnlyRoute>[0]);
    const handlers = [route.preHandler ?? []].flat() as unknown as Record<symbol, unknown>[];
    if (!handlers.some((h) => h?.[AUTH_PREHANDLER])) return;
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    if (!schema.security) route.schema = { ...schema, security: [{ bearerAuth: [] }] };
  });
  // The document is a contract (contract.ts): bounded schemas, the common problems declared.
  app.addHook('onRoute', contractRoute);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: opts.openapi?.title ?? `Mercato ${opts.name}`,
        description: opts.openapi?.description,
        version: opts.openapi?.version ?? '0.1.0',
      },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: BEARER_DESCRIPTION,
          },
          ...opts.openapi?.securitySchemes,
        },
      },
    },
    transform: documentPath,
    transformObject: (generated) => finishDocument((generated as { openapiObject: object }).openapiObject),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  // Under tests every response is held to that document (response-check.ts).
  if (responseCheckEnabled()) addResponseCheck(app);

  await app.register(metricsPlugin, { name: opts.name });
  await app.register(opts.auth ? authPlugin : noAuthPlugin, opts.auth ?? {});

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    const checks: Record<string, 'ok' | 'failing'> = {};
    await Promise.all(
      Object.entries(opts.readiness ?? {}).map(async ([name, check]) => {
        try {
          await withTimeout(check(), READINESS_TIMEOUT_MS);
          checks[name] = 'ok';
        } catch (err) {
          checks[name] = 'failing';
          request.log.warn({ err, check: name }, 'readiness check failed');
        }
      }),
    );
    const failing = Object.keys(checks).filter((k) => checks[k] !== 'ok');
    if (failing.length === 0) return { status: 'ok', checks };
    sendProblem(request, reply, {
      type: `${PROBLEM_BASE}not-ready`,
      title: 'Service Unavailable',
      status: 503,
      detail: `Not ready: ${failing.join(', ')} failing`,
      failing,
      checks,
    });
    return reply;
  });

  return app;
}

/**
 * Every error leaves as application/problem+json. Client errors say what was wrong; server errors
 * say nothing about internals (the log line with the request id has the stack).
 */
function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof HttpProblem) {
    if (error.headers) reply.headers(error.headers);
    if (error.status >= 500) request.log.error({ err: error }, error.detail);
    sendProblem(request, reply, {
      ...error.extensions,
      type: error.type,
      title: error.title,
      status: error.status,
      detail: error.detail,
    });
    return;
  }
  // A value PostgreSQL refused (validation should have caught it): the client's 400, not a 500.
  if (isDataException(error)) {
    request.log.warn({ err: error }, 'the database refused a value from the request');
    errorHandler(dataExceptionProblem(error) as unknown as FastifyError, request, reply);
    return;
  }
  if (error.validation) {
    const errors = toIssues(error.validation as never, error.validationContext ?? 'body');
    sendProblem(request, reply, {
      type: `${PROBLEM_BASE}validation-error`,
      title: 'Bad Request',
      status: 400,
      detail: errors.map((e) => `${e.path} ${e.message}`).join('; ') || error.message,
      errors,
    });
    return;
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // Fastify's own 4xx (malformed JSON, 413, 415, ...) have client-safe messages.
    request.log.info({ err: error }, 'client error');
    sendProblem(request, reply, {
      type: PROBLEM_BASE + slugFor(status),
      title: STATUS_CODES[status] ?? 'Client Error',
      status,
      detail: error.message,
    });
    return;
  }
  // The database (or another backing server) is unreachable — a restart, a failover: not a bug, and
  // it passes. A 503 with Retry-After tells clients and the gateway to come back, and the line is a warning.
  if (isConnectionError(error)) {
    request.log.warn({ err: error }, 'backing service unavailable');
    reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_S));
    sendProblem(request, reply, {
      type: `${PROBLEM_BASE}service-unavailable`,
      title: 'Service Unavailable',
      status: 503,
      detail: 'A backing service is temporarily unavailable; retry shortly.',
      retryAfter: UNAVAILABLE_RETRY_AFTER_S,
    });
    return;
  }
  // A plugin's deliberate 5xx (e.g. under-pressure's 503) keeps its status; anything else is a 500.
  // Either way the message may be internal, so only the log line gets it.
  const serverStatus = status > 500 && status < 600 ? status : 500;
  request.log.error({ err: error }, 'unhandled error');
  sendProblem(request, reply, {
    type: PROBLEM_BASE + (SLUGS[serverStatus] ?? 'internal-error'),
    title: STATUS_CODES[serverStatus] ?? 'Internal Server Error',
    status: serverStatus,
    detail: 'An unexpected error occurred. Quote the request id when reporting it.',
  });
}

function sendProblem(request: FastifyRequest, reply: FastifyReply, body: ProblemBody): void {
  const problem: ProblemBody = {
    ...body,
    instance: request.url.split('?')[0],
    requestId: String(request.id),
  };
  reply.code(body.status).type('application/problem+json').send(problem);
}

const SLUGS: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  408: 'request-timeout',
  409: 'conflict',
  411: 'length-required',
  412: 'precondition-failed',
  413: 'payload-too-large',
  414: 'uri-too-long',
  415: 'unsupported-media-type',
  416: 'range-not-satisfiable',
  422: 'unprocessable-entity',
  429: 'too-many-requests',
  431: 'request-header-fields-too-large',
  500: 'internal-error',
  502: 'bad-gateway',
  503: 'service-unavailable',
  504: 'gateway-timeout',
};
function slugFor(status: number): string {
  return SLUGS[status] ?? 'client-error';
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Listens, and on SIGTERM/SIGINT closes gracefully: Fastify stops accepting (new requests get 503),
 * requests in flight finish, then the app's onClose hooks stop consumers and close connections.
 * A shutdown that hangs past `graceMs` (below Kubernetes' 30 s grace period) exits 1.
 */
export async function runService(
  app: App,
  { host, port, graceMs = 20_000 }: { host: string; port: number; graceMs?: number },
): Promise<void> {
  // Built with DATABASE_MIGRATIONS=only (@mercato/service): the migrations ran, and that was the whole
  // job of this process (an init container). Exits explicitly: nothing may keep it waiting.
  if ((app as unknown as Record<symbol, unknown>)[Symbol.for('mercato.migrate-only')]) {
    await app.close();
    await flushTelemetry();
    process.exit(0);
  }
  closeWithGrace({ delay: graceMs, logger: app.log }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'fatal error, shutting down');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
    await flushTelemetry();
  });
  await app.listen({ host, port });
  // The bundles enable Node's compile cache (scripts/build/bundle.ts): written now, every module of
  // the start is cached for the next one, even if this process never exits cleanly. A no-op without it.
  flushCompileCache();
}

/** Set by @mercato/kit/instrument when it was loaded: flushes the last spans before exiting. */
async function flushTelemetry(): Promise<void> {
  const flush = (globalThis as Record<symbol, unknown>)[Symbol.for('mercato.telemetry.shutdown')];
  if (typeof flush === 'function') await (flush as () => Promise<void>)().catch(() => {});
}
