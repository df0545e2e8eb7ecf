import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import t from 'tap';
import {
  captureForReturn,
  chargeKey,
  checkRefund,
  decideRetry,
  decideReturnRefund,
  refundKey,
  retryDelayMs,
} from '../src/domain/payment-rules.ts';
import { httpPaymentProvider } from '../src/domain/provider.ts';
import { late } from './helpers.ts';

t.test(
  'charge keys: the first attempt of a revision is orderId:revision, retries get their own',
  async (t) => {
    t.equal(chargeKey('o', 2, 1), 'o:2');
    t.equal(chargeKey('o', 2, 2), 'o:2:2');
    t.not(chargeKey('o', 2, 3), chargeKey('o', 2, 2));
  },
);

t.test('a payment may be retried only after a failure and while nothing succeeded', async (t) => {
  t.same(decideRetry([]), { kind: 'unknown' });
  t.same(decideRetry([{ revision: 1, attempt: 1, status: 'pending' }]), { kind: 'in_progress' });
  t.same(
    decideRetry([
      { revision: 1, attempt: 1, status: 'failed' },
      { revision: 1, attempt: 2, status: 'succeeded' },
    ]),
    { kind: 'already_paid' },
  );
  t.same(
    decideRetry([
      { revision: 1, attempt: 1, status: 'failed' },
      { revision: 2, attempt: 1, status: 'failed' },
      { revision: 2, attempt: 2, status: 'failed' },
    ]),
    { kind: 'retry', revision: 2, attempt: 3 },
  );
  t.same(
    decideRetry([
      { revision: 1, attempt: 1, status: 'succeeded' },
      { revision: 2, attempt: 1, status: 'failed' },
    ]),
    { kind: 'retry', revision: 2, attempt: 2 },
    'a capture of a superseded revision does not make the order paid',
  );
});

t.test('refunds never exceed what was captured', async (t) => {
  const captured = { amount: '100.00', currency: 'EUR' };
  t.same(checkRefund(captured, '0'), { ok: true, amount: '100.00' }, 'everything by default');
  t.same(checkRefund(captured, '30.00'), { ok: true, amount: '70.00' }, 'what is left by default');
  t.same(checkRefund(captured, '30.00', { amount: '70.00' }), { ok: true, amount: '70.00' });
  t.match(checkRefund(captured, '30.00', { amount: '70.01' }), { ok: false, reason: /at most 70.00 EUR/ });
  t.match(checkRefund(captured, '100.00'), { ok: false, reason: /fully refunded/ });
  t.match(checkRefund(captured, '0', { amount: '0' }), { ok: false });
  t.match(checkRefund(captured, '0', { amount: '1.00', currency: 'USD' }), { ok: false, reason: /EUR/ });
});

t.test('retry delays double and are capped', async (t) => {
  t.same(
    [1, 2, 3, 4].map((n) => retryDelayMs(n, 100)),
    [100, 200, 400, 800],
  );
  t.equal(retryDelayMs(30, 100, 5000), 5000);
});

t.test('the provider adapter', async (t) => {
  const base = 'http://adapter.test';
  const provider = httpPaymentProvider({ baseUrl: base, timeoutMs: 200 });
  const req = {
    amount: '10.00',
    currency: 'EUR',
    token: 'tok_visa',
    reference: 'o1',
    idempotencyKey: 'o1:1',
  };
  t.teardown(() => nock.cleanAll());

  t.test('sends the idempotency key and returns the charge id', async (t) => {
    const scope = nock(base)
      .post('/v1/charges', { amount: '10.00', currency: 'EUR', token: 'tok_visa', reference: 'o1' })
      .matchHeader('idempotency-key', 'o1:1')
      .reply(201, { id: 'ch_1', status: 'succeeded', amount: '10.00', currency: 'EUR' });
    t.same(await provider.charge(req), { kind: 'succeeded', providerRef: 'ch_1' });
    t.ok(scope.isDone());
  });
  t.test('a decline is final', async (t) => {
    nock(base).post('/v1/charges').reply(402, { error: 'card_declined' });
    t.same(await provider.charge(req), { kind: 'refused', reason: 'card_declined' });
  });
  t.test('5xx, a timeout and a network error are "unavailable"', async (t) => {
    nock(base).post('/v1/charges').reply(503, { error: 'down' });
    t.match(await provider.charge(req), { kind: 'unavailable' });
    nock(base)
      .post('/v1/charges')
      .reply(async () => late(1000, { id: 'ch_late', status: 'succeeded' }));
    t.same(await provider.charge(req), { kind: 'unavailable', detail: 'timeout' });
    nock(base).post('/v1/charges').replyWithError('connection reset');
    t.match(await provider.charge(req), { kind: 'unavailable' });
  });
  t.test('refunds go to /v1/refunds with their own key', async (t) => {
    const scope = nock(base)
      .post('/v1/refunds', { charge: 'ch_1', amount: '5.00' })
      .matchHeader('idempotency-key', 'r1')
      .reply(201, { id: 're_1', status: 'succeeded' });
    t.same(await provider.refund({ charge: 'ch_1', amount: '5.00', idempotencyKey: 'r1' }), {
      kind: 'succeeded',
      providerRef: 're_1',
    });
    t.ok(scope.isDone());
  });
});

t.test('the provider adapter reuses its connections and times out a stalled answer', async (t) => {
  let connections = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.headers['idempotency-key'] === 'stall') {
        // headers and half a body, then nothing: the timeout covers the body too
        res.writeHead(201, { 'content-type': 'application/json' });
        res.write('{"id":');
        return;
      }
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `ch_${req.headers['idempotency-key']}`, status: 'succeeded' }));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  const provider = httpPaymentProvider({ baseUrl: `http://127.0.0.1:${port}/`, timeoutMs: 300 });
  const charge = (key: string) =>
    provider.charge({
      amount: '1.00',
      currency: 'EUR',
      token: 'tok_visa',
      reference: 'o',
      idempotencyKey: key,
    });
  t.same(await charge('a'), { kind: 'succeeded', providerRef: 'ch_a' });
  t.same(await charge('b'), { kind: 'succeeded', providerRef: 'ch_b' });
  t.same(await charge('c'), { kind: 'succeeded', providerRef: 'ch_c' });
  t.equal(connections, 1, 'one keep-alive connection for calls one after another');
  t.same(await charge('stall'), { kind: 'unavailable', detail: 'timeout' });
});

t.test('a return refunds what it asks for, capped to what is left of the capture', async (t) => {
  const capture = (refundedAmount: string) => ({
    status: 'succeeded' as const,
    revision: 1,
    amount: '50.00',
    currency: 'EUR',
    refundedAmount,
  });
  const eur = (amount: string) => ({ amount, currency: 'EUR' });
  t.same(decideReturnRefund(capture('0'), eur('15.00')), { kind: 'refund', amount: '15.00', capped: false });
  t.same(decideReturnRefund(capture('35.00'), eur('15.00')), {
    kind: 'refund',
    amount: '15.00',
    capped: false,
  });
  t.same(decideReturnRefund(capture('40.00'), eur('15.00')), {
    kind: 'refund',
    amount: '10.00',
    capped: true,
  });
  t.match(decideReturnRefund(capture('50.00'), eur('15.00')), { kind: 'none', reason: /fully refunded/ });
  t.match(decideReturnRefund(capture('0'), eur('0.00')), { kind: 'none' });
  t.match(decideReturnRefund(capture('0'), eur('-1.00')), { kind: 'none' });
  t.match(decideReturnRefund({ ...capture('0'), currency: 'EUR' }, { amount: '1.00', currency: 'USD' }), {
    kind: 'none',
    reason: /EUR/,
  });
});

t.test("a return is refunded from the latest revision's capture", async (t) => {
  const p = (revision: number, attempt: number, status: 'pending' | 'succeeded' | 'failed') => ({
    id: `${revision}:${attempt}`,
    revision,
    attempt,
    status,
    amount: '10.00',
    currency: 'EUR',
    refundedAmount: '0',
  });
  t.equal(captureForReturn([]), undefined);
  t.equal(captureForReturn([p(1, 1, 'failed'), p(1, 2, 'pending')]), undefined);
  t.equal(captureForReturn([p(1, 1, 'failed'), p(1, 2, 'succeeded')])?.id, '1:2');
  t.equal(captureForReturn([p(2, 1, 'succeeded'), p(1, 1, 'succeeded'), p(2, 2, 'failed')])?.id, '2:1');
});

t.test("a return's refund is keyed by the return, any other by its own id", async (t) => {
  t.equal(refundKey({ id: 'r1', returnId: 'ret1' }), 'return:ret1');
  t.equal(refundKey({ id: 'r1', returnId: null }), 'r1');
  t.equal(refundKey({ id: 'r1' }), 'r1');
});
