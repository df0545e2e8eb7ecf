import t from 'tap';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import {
  assertIfMatch,
  createService,
  etag,
  IdParam,
  idempotencyKeyHeader,
  Money,
  Page,
  ProblemSchema,
} from '../src/index.ts';

t.test('etag and If-Match', async (t) => {
  t.equal(etag(3), '"3"');
  const app = await createService({ name: 'http-test', logLevel: 'silent' });
  t.teardown(() => app.close());
  app.put(
    '/things/:id',
    {
      schema: {
        params: IdParam,
        response: { 200: Type.Object({ version: Type.Integer() }), 412: ProblemSchema },
      },
    },
    async (request, reply) => {
      assertIfMatch(request, 3);
      return reply.header('etag', etag(4)).send({ version: 4 });
    },
  );
  const url = '/things/0190a5b2-0000-7000-8000-000000000002';
  const put = (ifMatch?: string) =>
    app.inject({ method: 'PUT', url, headers: ifMatch === undefined ? {} : { 'if-match': ifMatch } });

  t.equal((await put()).statusCode, 200, 'no If-Match: unconditional');
  t.equal((await put('"3"')).statusCode, 200, 'current version');
  t.equal((await put('W/"3"')).statusCode, 200, 'weak tag of the current version');
  t.equal((await put('"1", "3"')).statusCode, 200, 'one of several');
  t.equal((await put('*')).statusCode, 200, 'any');
  const stale = await put('"2"');
  t.equal(stale.statusCode, 412, 'stale version');
  t.match(stale.headers['content-type'], /^application\/problem\+json/);
  t.match(stale.json(), { type: 'https://mercato.dev/problems/precondition-failed', status: 412 });
  t.equal(stale.json().requestId, stale.headers['x-request-id'], 'ProblemSchema keeps the request id');
});

t.test('Money is an exact decimal string with a currency', async (t) => {
  t.ok(Value.Check(Money, { amount: '12.50', currency: 'EUR' }));
  t.ok(Value.Check(Money, { amount: '-3', currency: 'USD' }));
  t.ok(Value.Check(Money, { amount: '0.0001', currency: 'USD' }));
  t.notOk(Value.Check(Money, { amount: 12.5, currency: 'EUR' }), 'no floats');
  t.notOk(Value.Check(Money, { amount: '1.23456', currency: 'EUR' }), 'at most 4 decimals');
  t.notOk(Value.Check(Money, { amount: '1e3', currency: 'EUR' }));
  t.notOk(Value.Check(Money, { amount: '1', currency: 'eur' }));
});

t.test('Page, IdParam and the Idempotency-Key header', async (t) => {
  const page = Page(Type.Object({ id: Type.String() }));
  t.ok(Value.Check(page, { items: [{ id: 'a' }], page: 1, pageSize: 20, total: 1 }));
  t.notOk(Value.Check(page, { items: [{}], page: 1, pageSize: 20, total: 1 }));
  t.ok(Value.Check(IdParam, { id: '0190a5b2-0000-7000-8000-000000000002' }));
  t.notOk(Value.Check(IdParam, { id: '42' }));

  const app = await createService({ name: 'http-test', logLevel: 'silent' });
  t.teardown(() => app.close());
  app.post('/pay', { schema: { headers: idempotencyKeyHeader } }, async (request) => ({
    key: request.headers['idempotency-key'] ?? null,
  }));
  t.same((await app.inject({ method: 'POST', url: '/pay', headers: { 'idempotency-key': 'k1' } })).json(), {
    key: 'k1',
  });
  t.same((await app.inject({ method: 'POST', url: '/pay' })).json(), { key: null }, 'optional');
  const long = await app.inject({
    method: 'POST',
    url: '/pay',
    headers: { 'idempotency-key': 'k'.repeat(201) },
  });
  t.equal(long.statusCode, 400);
  t.match(long.json().errors, [{ path: 'headers/idempotency-key' }]);
});

t.test('a credential in the query string (a capability link) never reaches the log', async (t) => {
  const lines: string[] = [];
  const app = await createService({
    name: 'log-test',
    logLevel: 'info',
    logStream: { write: (line) => void lines.push(line) },
  });
  t.teardown(() => app.close());
  app.get('/invoices/:id/pdf', async () => ({ ok: true }));
  const secret = 'c2VjcmV0LWNhcGFiaWxpdHktdG9rZW4tdmFsdWUtMTIz';
  const res = await app.inject({ url: `/invoices/1/pdf?lang=de&token=${secret}&code=${secret}x` });
  t.equal(res.statusCode, 200);
  const logged = lines.join('');
  t.match(logged, /\/invoices\/1\/pdf\?lang=de&token=\[redacted\]&code=\[redacted\]/, 'the URL is logged');
  t.notMatch(logged, secret, 'the token is not');
});
