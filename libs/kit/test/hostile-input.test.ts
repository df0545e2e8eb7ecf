// Each class of input that once made a 500 or a non-problem 4xx (issue 9's fuzz run), at the root:
// the kit every service and the gateway build on answers it with a 4xx application/problem+json.
import net from 'node:net';
import { TEST_DATABASE_URL } from '@mercato/testing';
import pg from 'pg';
import t, { type Test } from 'tap';
import { Type } from 'typebox';
import { nestsDeeperThan, unstorableReason } from '../src/hostile-input.ts';
import { createService, MAX_JSON_DEPTH, PageQuery } from '../src/index.ts';

const P = 'https://mercato.dev/problems/';

async function build(t: { teardown(fn: () => unknown): void }) {
  const app = await createService({ name: 'hostile-test', logLevel: 'silent' });
  app.post(
    '/items/:id',
    {
      schema: {
        // Hidden: out of the OpenAPI document, so the tests' response check leaves these routes alone.
        hide: true,
        params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
        body: Type.Object({
          name: Type.String(),
          description: Type.Optional(Type.String()),
          attributes: Type.Optional(Type.Unknown()),
        }),
      },
    },
    async (request) => ({ id: request.params.id, ...request.body }),
  );
  app.get(
    '/items',
    {
      schema: {
        hide: true,
        querystring: Type.Object({ ...PageQuery.properties, q: Type.Optional(Type.String()) }),
      },
    },
    async (request) => request.query,
  );
  // A statement PostgreSQL refuses for its data: the error handler's backstop.
  const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  app.get('/cast', { schema: { hide: true } }, async (request) => {
    const { value } = request.query as { value: string };
    const { rows } = await pool.query('select $1::int as n', [value]);
    return rows[0];
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(async () => {
    await app.close();
    await pool.end();
  });
  return { app, port: (app.server.address() as net.AddressInfo).port };
}

/** Sends bytes as they are (no client library would send most of these) and reads the whole answer. */
function raw(port: number, request: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n', 2);
      resolve({ status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body });
    });
  });
}

function assertProblem(t: Test, res: { status: number; headers: string; body: string }, status: number) {
  t.equal(res.status, status, `answers ${status}`);
  t.match(res.headers, /content-type: application\/problem\+json/, 'as problem+json');
  const problem = JSON.parse(res.body);
  t.equal(problem.status, status);
  t.match(problem.type, new RegExp(`^${P}`), 'with a problem type');
  t.type(problem.requestId, 'string');
  return problem;
}

t.test('deeply nested JSON → 400 problem; nesting up to the limit is accepted', async (t) => {
  const { app } = await build(t);
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  const tooDeep = await app.inject({
    method: 'POST',
    url: '/items/a',
    headers: { 'content-type': 'application/json' },
    // The body object itself is one level.
    payload: `{"name":"a","attributes":${nested(10_000)}}`,
  });
  t.equal(tooDeep.statusCode, 400);
  t.match(tooDeep.headers['content-type'], /^application\/problem\+json/);
  t.match(tooDeep.json(), { type: `${P}bad-request`, detail: /deeper than 32/ });

  const atLimit = await app.inject({
    method: 'POST',
    url: '/items/a',
    headers: { 'content-type': 'application/json' },
    payload: `{"name":"a","attributes":${nested(MAX_JSON_DEPTH - 1)}}`,
  });
  t.equal(atLimit.statusCode, 200, `${MAX_JSON_DEPTH} levels in all are fine`);
});

t.test('nestsDeeperThan counts objects and arrays, not strings', async (t) => {
  t.notOk(nestsDeeperThan({ s: '[[[[[[[[' }, 1));
  t.ok(nestsDeeperThan({ a: { b: [1] } }, 2));
  t.notOk(nestsDeeperThan({ a: { b: [1] } }, 3));
  t.notOk(nestsDeeperThan([[], {}, [1, 'x', null]], 2));
});

t.test('NUL in a body string → 400 validation problem naming the field', async (t) => {
  const { app } = await build(t);
  const res = await app.inject({ method: 'POST', url: '/items/a', payload: { name: 'a\u0000b' } });
  t.equal(res.statusCode, 400);
  t.match(res.headers['content-type'], /^application\/problem\+json/);
  t.match(res.json(), {
    type: `${P}validation-error`,
    errors: [{ path: 'body/name', message: 'must not contain NUL characters' }],
  });
});

t.test('a lone surrogate (body, escaped in JSON) → 400 validation problem', async (t) => {
  const { app } = await build(t);
  const res = await app.inject({
    method: 'POST',
    url: '/items/a',
    headers: { 'content-type': 'application/json' },
    payload: '{"name":"ok","attributes":{"x":["\\ud800"]}}',
  });
  t.equal(res.statusCode, 400);
  t.match(res.json(), { errors: [{ path: 'body/attributes/x/0', message: /well-formed Unicode/ }] });
});

t.test(
  'control characters in property names and query strings → 400; tab and newline in text pass',
  async (t) => {
    const { app } = await build(t);
    const key = await app.inject({
      method: 'POST',
      url: '/items/a',
      payload: { name: 'a', attributes: { 'bad\u0001key': 1 } },
    });
    t.equal(key.statusCode, 400);
    t.match(key.json(), {
      errors: [{ path: 'body/attributes', message: /property names must not contain/ }],
    });

    const query = await app.inject({ method: 'GET', url: '/items?q=a%00b' });
    t.equal(query.statusCode, 400);
    t.match(query.json(), {
      errors: [{ path: 'querystring/q', message: 'must not contain NUL characters' }],
    });

    const param = await app.inject({ method: 'POST', url: '/items/a%1Bb', payload: { name: 'a' } });
    t.equal(param.statusCode, 400);
    t.match(param.json(), { errors: [{ path: 'params/id' }] });

    const text = await app.inject({
      method: 'POST',
      url: '/items/a',
      payload: { name: 'a', description: 'line one\r\n\tline two — ünïcødé 📦' },
    });
    t.equal(text.statusCode, 200);
  },
);

t.test('unstorableReason: the one rule', async (t) => {
  t.equal(unstorableReason('plain text, ünïcødé, 📦, tab\t, lf\n'), undefined);
  t.match(unstorableReason('a\u0000'), /NUL/);
  t.match(unstorableReason('a\u007f'), /control/);
  t.match(unstorableReason('\udc00a'), /Unicode/);
  t.match(unstorableReason('a\ud83d'), /Unicode/);
});

t.test('integers at the edges of a page query → 400 problem', async (t) => {
  const { app } = await build(t);
  for (const query of [
    'page=100000000000000000000',
    'page=1e3',
    'page=10001',
    'pageSize=101',
    'page=-9007199254740993',
    'page=0',
  ]) {
    const res = await app.inject({ method: 'GET', url: `/items?${query}` });
    t.equal(res.statusCode, 400, query);
    t.match(res.headers['content-type'], /^application\/problem\+json/);
  }
  const last = await app.inject({ method: 'GET', url: '/items?page=10000&pageSize=100' });
  t.equal(last.statusCode, 200, 'the last page is allowed');
});

t.test('a value PostgreSQL refuses (SQLSTATE class 22) → 400 problem, not 500', async (t) => {
  const { app } = await build(t);
  const res = await app.inject({ method: 'GET', url: '/cast?value=not-a-number' });
  t.equal(res.statusCode, 400);
  t.match(res.headers['content-type'], /^application\/problem\+json/);
  t.match(res.json(), { type: `${P}unstorable-value`, detail: /invalid value for its type/ });
  t.notMatch(res.body, /syntax|integer:/, 'the database message is not sent');
  const range = await app.inject({ method: 'GET', url: '/cast?value=99999999999' });
  t.equal(range.statusCode, 400);
  t.match(range.json(), { detail: /out of range/ });
});

t.test('oversized headers → 431 problem+json', async (t) => {
  const { port } = await build(t);
  const res = await raw(
    port,
    `GET /items HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
  );
  const problem = assertProblem(t, res, 431);
  t.equal(problem.type, `${P}request-header-fields-too-large`);
  t.match(res.headers, /x-request-id: /);
});

t.test('an over-long path parameter → 414 problem+json', async (t) => {
  const { port } = await build(t);
  const res = await raw(
    port,
    `POST /items/${'a'.repeat(500)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
  );
  const problem = assertProblem(t, res, 414);
  t.equal(problem.type, `${P}uri-too-long`);
  t.match(res.headers, /x-request-id: /, 'the request id is sent as for any other answer');
});

t.test('a malformed percent-encoding in the path → 400 problem+json', async (t) => {
  const { port } = await build(t);
  for (const path of ['/items/%zz', '/items/%ED%A0%80', '/items/%']) {
    const res = await raw(
      port,
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    );
    const problem = assertProblem(t, res, 400);
    t.equal(problem.type, `${P}bad-request`, path);
  }
});

t.test('a request that is not HTTP → 400 problem+json', async (t) => {
  const { port } = await build(t);
  assertProblem(t, await raw(port, 'GARBAGE\r\n\r\n'), 400);
  assertProblem(t, await raw(port, 'GET /items HTTP/1.1\r\nHost: x\r\nBad\u0001Header: 1\r\n\r\n'), 400);
});
