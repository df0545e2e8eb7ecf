import { Redis } from 'ioredis';
import t from 'tap';
import { Type } from 'typebox';
import { TEST_REDIS_URL } from '../../testing/src/index.ts';
import { createService, IdParam, PageQuery } from '../src/index.ts';

t.test('/healthz answers while the process is alive', async (t) => {
  const app = await createService({ name: 'probes-test', logLevel: 'silent' });
  t.teardown(() => app.close());
  const res = await app.inject({ url: '/healthz' });
  t.equal(res.statusCode, 200);
  t.same(res.json(), { status: 'ok' });
});

t.test('/readyz: 200 when every check passes (a real Redis PING)', async (t) => {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  await redis.connect();
  t.teardown(() => redis.quit());
  const app = await createService({
    name: 'probes-test',
    logLevel: 'silent',
    readiness: { redis: () => redis.ping(), postgres: async () => 'ok' },
  });
  t.teardown(() => app.close());
  const res = await app.inject({ url: '/readyz' });
  t.equal(res.statusCode, 200);
  t.same(res.json(), { status: 'ok', checks: { redis: 'ok', postgres: 'ok' } });
});

t.test('/readyz: 503 problem naming the failing checks', async (t) => {
  // Redis "down": a client pointed at a port nobody listens on, never the shared server stopped.
  const redis = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, maxRetriesPerRequest: 0 });
  redis.on('error', () => {});
  t.teardown(() => redis.disconnect());
  const app = await createService({
    name: 'probes-test',
    logLevel: 'silent',
    readiness: {
      postgres: async () => 'ok',
      rabbitmq: async () => {
        throw new Error('ECONNREFUSED 127.0.0.1:5672');
      },
      redis: () => redis.ping(),
    },
  });
  t.teardown(() => app.close());
  const res = await app.inject({ url: '/readyz' });
  t.equal(res.statusCode, 503);
  t.match(res.headers['content-type'], /^application\/problem\+json/);
  const body = res.json();
  t.match(body, {
    type: 'https://mercato.dev/problems/not-ready',
    status: 503,
    checks: { postgres: 'ok', rabbitmq: 'failing', redis: 'failing' },
  });
  t.same(body.failing.sort(), ['rabbitmq', 'redis']);
  t.match(body.detail, /rabbitmq/);
  t.notMatch(res.body, /ECONNREFUSED/, 'internal error text stays in the logs');
});

t.test('/metrics: request histogram labelled by route pattern, plus process metrics', async (t) => {
  const app = await createService({ name: 'metrics-test', logLevel: 'silent' });
  app.get('/orders/:id', { schema: { params: IdParam } }, async (request) => ({ id: request.params.id }));
  t.teardown(() => app.close());
  const id = '0190a5b2-0000-7000-8000-000000000001';
  t.equal((await app.inject({ url: `/orders/${id}` })).statusCode, 200);
  t.equal((await app.inject({ url: '/orders/not-a-uuid' })).statusCode, 400);
  const res = await app.inject({ url: '/metrics' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/plain/);
  t.match(res.body, /# TYPE http_request_duration_seconds histogram/);
  t.match(
    res.body,
    /http_request_duration_seconds_count\{[^}]*method="GET",route="\/orders\/:id",status_code="200"\} 1/,
  );
  t.match(res.body, /route="\/orders\/:id",status_code="400"/);
  t.notMatch(res.body, new RegExp(id), 'never the raw URL');
  t.match(res.body, /process_cpu_user_seconds_total/);
  t.match(res.body, /nodejs_eventloop_lag_seconds/);
});

t.test('two apps in one process keep separate registries', async (t) => {
  const a = await createService({ name: 'metrics-a', logLevel: 'silent' });
  const b = await createService({ name: 'metrics-b', logLevel: 'silent' });
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  // A route of each app's own (probes are not counted at all: probe-metrics.test.ts).
  for (const app of [a, b]) app.get('/things', async () => ({ ok: true }));
  await a.inject({ url: '/things' });
  const bMetrics = (await b.inject({ url: '/metrics' })).body;
  t.notMatch(bMetrics, /route="\/things"/);
  t.match((await a.inject({ url: '/metrics' })).body, /route="\/things"/);
});

t.test('/docs serves Swagger UI and /docs/json the OpenAPI of every route', async (t) => {
  const app = await createService({
    name: 'docs-test',
    logLevel: 'silent',
    openapi: { title: 'Docs test', version: '1.2.3' },
  });
  app.get('/products', { schema: { querystring: PageQuery } }, async (request) => request.query);
  app.post(
    '/products',
    { schema: { body: Type.Object({ name: Type.String() }) } },
    async (request) => request.body,
  );
  app.get('/me', { preHandler: app.authenticate }, async () => ({}));
  app.get(
    '/stats',
    { preHandler: [app.requireRole('admin')], schema: { tags: ['admin'] } },
    async () => ({}),
  );
  t.teardown(() => app.close());
  const doc = await app.inject({ url: '/docs/json' });
  t.equal(doc.statusCode, 200);
  const spec = doc.json();
  t.match(spec, { openapi: /^3\./, info: { title: 'Docs test', version: '1.2.3' } });
  t.ok(spec.paths['/products']?.get, 'GET documented');
  t.match(spec.paths['/products'].post.requestBody.content['application/json'].schema, {
    properties: { name: { type: 'string' } },
  });
  t.notOk(spec.paths['/healthz'], 'probes are not part of the public API');
  t.same(spec.paths['/me'].get.security, [{ bearerAuth: [] }], 'authenticated routes show the bearer lock');
  t.same(spec.paths['/stats'].get.security, [{ bearerAuth: [] }], 'requireRole too');
  t.notOk(spec.paths['/products'].get.security, 'public routes do not');
  const ui = await app.inject({ url: '/docs/' });
  t.equal(ui.statusCode, 200);
  t.match(ui.body, /swagger/i);
  // querystring defaults apply
  t.same((await app.inject({ url: '/products' })).json(), { page: 1, pageSize: 20 });
  t.same((await app.inject({ url: '/products?page=2&pageSize=5' })).json(), { page: 2, pageSize: 5 });
  t.equal((await app.inject({ url: '/products?pageSize=500' })).statusCode, 400);
  // an integer is not truncated from a decimal: 1.5 is refused, not read as 1
  for (const q of ['pageSize=1.5', 'page=2.0', 'page=1e1', 'page=0x10']) {
    const res = await app.inject({ url: `/products?${q}` });
    t.equal(res.statusCode, 400, q);
    t.match(res.json(), { errors: [{ path: `querystring/${q.split('=')[0]}` }] });
  }
  t.same((await app.inject({ url: '/products?page=+3' })).json(), { page: 3, pageSize: 20 });
});
