import { Writable } from 'node:stream';
import { pino } from 'pino';
import t from 'tap';
import { Type } from 'typebox';
import { createService, HttpProblem, problems } from '../src/index.ts';

const P = 'https://mercato.dev/problems/';

async function build(t: { teardown(fn: () => unknown): void }) {
  const app = await createService({ name: 'errors-test', logLevel: 'silent', bodyLimit: 1024 });
  app.post(
    '/items',
    {
      schema: {
        body: Type.Object(
          { name: Type.String({ minLength: 1 }), quantity: Type.Integer({ minimum: 1 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => reply.code(201).send(request.body),
  );
  app.get('/boom', async () => {
    throw new Error('db password is hunter2');
  });
  app.get('/gone', async () => {
    throw problems.conflict('Order is already shipped', { orderStatus: 'SHIPPED' });
  });
  app.get('/slow-down', async () => {
    throw problems.tooManyRequests('Slow down', 7);
  });
  await app.ready();
  t.teardown(() => app.close());
  return app;
}

t.test('malformed JSON → 400 problem', async (t) => {
  const app = await build(t);
  const res = await app.inject({
    method: 'POST',
    url: '/items',
    headers: { 'content-type': 'application/json' },
    payload: '{"name": ',
  });
  t.equal(res.statusCode, 400);
  t.match(res.headers['content-type'], /^application\/problem\+json/);
  const body = res.json();
  t.match(body, { type: `${P}bad-request`, title: 'Bad Request', status: 400, instance: '/items' });
  t.type(body.detail, 'string');
  t.equal(body.requestId, res.headers['x-request-id']);
});

t.test('wrong types → 400 listing each error', async (t) => {
  const app = await build(t);
  const res = await app.inject({ method: 'POST', url: '/items', payload: { name: '', quantity: 'two' } });
  t.equal(res.statusCode, 400);
  const body = res.json();
  t.equal(body.type, `${P}validation-error`);
  t.same(
    body.errors.map((e: { path: string }) => e.path).sort(),
    ['body/name', 'body/quantity'],
    'both fields are reported',
  );
  t.match(body.errors, [{ message: String }, { message: String }]);
});

t.test('a string is not coerced into an integer in the body', async (t) => {
  const app = await build(t);
  const res = await app.inject({ method: 'POST', url: '/items', payload: { name: 'a', quantity: '2' } });
  t.equal(res.statusCode, 400);
  t.same(res.json().errors, [{ path: 'body/quantity', message: 'must be integer' }]);
});

t.test('unknown fields → 400 when the schema forbids them', async (t) => {
  const app = await build(t);
  const res = await app.inject({
    method: 'POST',
    url: '/items',
    payload: { name: 'a', quantity: 1, admin: true },
  });
  t.equal(res.statusCode, 400);
  t.same(res.json().errors, [{ path: 'body/admin', message: 'is not allowed' }]);
});

t.test('missing fields are named', async (t) => {
  const app = await build(t);
  const res = await app.inject({ method: 'POST', url: '/items', payload: { name: 'a' } });
  t.equal(res.statusCode, 400);
  t.same(res.json().errors, [{ path: 'body/quantity', message: 'is required' }]);
});

t.test('valid body passes', async (t) => {
  const app = await build(t);
  const res = await app.inject({ method: 'POST', url: '/items', payload: { name: 'a', quantity: 1 } });
  t.equal(res.statusCode, 201);
  t.same(res.json(), { name: 'a', quantity: 1 });
});

t.test('unsupported content type → 415 problem', async (t) => {
  const app = await build(t);
  for (const [type, payload] of [
    ['application/xml', '<item/>'],
    ['text/plain', '{"name":"a","quantity":1}'],
  ]) {
    const res = await app.inject({
      method: 'POST',
      url: '/items',
      headers: { 'content-type': type },
      payload,
    });
    t.equal(res.statusCode, 415, type);
    t.match(res.headers['content-type'], /^application\/problem\+json/);
    t.match(res.json(), { type: `${P}unsupported-media-type`, status: 415 });
  }
});

t.test('unknown route → 404 problem', async (t) => {
  const app = await build(t);
  const res = await app.inject({ url: '/nowhere?x=1' });
  t.equal(res.statusCode, 404);
  t.match(res.headers['content-type'], /^application\/problem\+json/);
  t.match(res.json(), { type: `${P}not-found`, status: 404, instance: '/nowhere' });
});

t.test('oversize body → 413 problem', async (t) => {
  const app = await build(t);
  const res = await app.inject({
    method: 'POST',
    url: '/items',
    payload: { name: 'x'.repeat(2000), quantity: 1 },
  });
  t.equal(res.statusCode, 413);
  t.match(res.headers['content-type'], /^application\/problem\+json/);
  t.match(res.json(), { type: `${P}payload-too-large`, status: 413 });
});

t.test('500 sends no stack or internal message, and logs both with the request id', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const app = await createService({ name: 'errors-log-test', logLevel: 'error' });
  // Capture the JSON log lines: swap the stream pino writes to (pino.symbols.streamSym).
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  (app.log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = sink;
  app.get('/boom', async () => {
    throw new Error('db password is hunter2');
  });
  await app.ready();
  t.teardown(() => app.close());

  const res = await app.inject({ url: '/boom', headers: { 'x-request-id': 'req-500-test' } });
  t.equal(res.statusCode, 500);
  t.match(res.headers['content-type'], /^application\/problem\+json/);
  t.notMatch(res.body, /hunter2|stack|at Object|\.ts:/);
  t.match(res.json(), { type: `${P}internal-error`, status: 500, requestId: 'req-500-test' });
  const logged = lines.find((l) => l.reqId === 'req-500-test' && l.level === 'error');
  t.ok(logged, 'an error line carries the request id');
  t.match(logged, { err: { message: 'db password is hunter2', stack: /Error: db password/ } });
});

t.test('a plugin error with a 5xx status keeps it, but not its message', async (t) => {
  const app = await createService({ name: 'errors-5xx-test', logLevel: 'silent' });
  app.get('/busy', async () => {
    throw Object.assign(new Error('event loop delay 900 ms on pod x'), { statusCode: 503 });
  });
  t.teardown(() => app.close());
  const res = await app.inject({ url: '/busy' });
  t.equal(res.statusCode, 503);
  t.match(res.json(), { type: `${P}service-unavailable`, status: 503 });
  t.notMatch(res.body, /event loop/);
});

t.test('thrown HttpProblems keep their status, type and extensions', async (t) => {
  const app = await build(t);
  const res = await app.inject({ url: '/gone' });
  t.equal(res.statusCode, 409);
  t.match(res.json(), {
    type: `${P}conflict`,
    title: 'Conflict',
    status: 409,
    detail: 'Order is already shipped',
    orderStatus: 'SHIPPED',
    instance: '/gone',
  });
  const limited = await app.inject({ url: '/slow-down' });
  t.equal(limited.statusCode, 429);
  t.equal(limited.headers['retry-after'], '7');
  t.match(limited.json(), { type: `${P}too-many-requests`, retryAfter: 7 });
  t.type(problems.notFound(), HttpProblem);
  t.equal(problems.notFound().type, `${P}not-found`);
});

t.test('x-request-id is echoed, or a UUIDv7 is generated', async (t) => {
  const app = await build(t);
  const given = await app.inject({ url: '/nowhere', headers: { 'x-request-id': 'abc-123' } });
  t.equal(given.headers['x-request-id'], 'abc-123');
  t.equal(given.json().requestId, 'abc-123');
  const fresh = await app.inject({ method: 'POST', url: '/items', payload: { name: 'a', quantity: 1 } });
  t.match(
    fresh.headers['x-request-id'],
    /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
  const hostile = await app.inject({ url: '/nowhere', headers: { 'x-request-id': 'x'.repeat(500) } });
  t.not(hostile.headers['x-request-id'], 'x'.repeat(500), 'an absurd incoming id is replaced');
});
