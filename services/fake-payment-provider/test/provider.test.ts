import t from 'tap';
import { buildApp } from '../src/app.ts';

const charge = (token: string, key: string, amount = '12.50') => ({
  method: 'POST' as const,
  url: '/v1/charges',
  headers: { 'idempotency-key': key },
  payload: { amount, currency: 'EUR', token, reference: `order-${key}` },
});

t.test('test cards that succeed are charged; the same Idempotency-Key returns the same charge', async (t) => {
  const app = await buildApp({ LOG_LEVEL: 'silent' });
  t.teardown(() => app.close());
  for (const token of ['tok_visa', '4242424242424242', '4242 4242 4242 4242']) {
    const key = `k-${token}`;
    const first = await app.inject(charge(token, key));
    t.equal(first.statusCode, 201, token);
    const body = first.json();
    t.match(body, { id: /^ch_/, status: 'succeeded', amount: '12.50', currency: 'EUR' });
    const again = await app.inject(charge(token, key));
    t.equal(again.statusCode, 201);
    t.equal(again.json().id, body.id, 'same charge for the same key');
  }
  const other = await app.inject(charge('tok_visa', 'another-key'));
  t.not(other.json().id, (await app.inject(charge('tok_visa', 'k-tok_visa'))).json().id);
});

t.test('declining cards answer 402 card_declined, also on a retry', async (t) => {
  const app = await buildApp({ LOG_LEVEL: 'silent' });
  t.teardown(() => app.close());
  for (const token of ['tok_chargeDeclined', '4000000000000002']) {
    const res = await app.inject(charge(token, `d-${token}`));
    t.equal(res.statusCode, 402);
    t.same(res.json(), { error: 'card_declined' });
    t.equal((await app.inject(charge(token, `d-${token}`))).statusCode, 402);
  }
  const unknown = await app.inject(charge('tok_nonsense', 'u-1'));
  t.equal(unknown.statusCode, 400);
  t.same(unknown.json(), { error: 'invalid_card' });
});

t.test('timeout cards are never answered', async (t) => {
  const app = await buildApp({ LOG_LEVEL: 'silent' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  for (const token of ['tok_timeout', '4000000000000119']) {
    const err = await fetch(`http://127.0.0.1:${port}/v1/charges`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `h-${token}` },
      body: JSON.stringify({ amount: '1.00', currency: 'EUR', token, reference: 'r' }),
      signal: AbortSignal.timeout(500),
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    t.equal(err?.name, 'TimeoutError', `${token} gets no answer`);
  }
  // Closing cuts the hanging requests instead of waiting for them forever.
  await app.close();
});

t.test('refunds: full or partial, never more than charged, unknown charge 404', async (t) => {
  const app = await buildApp({ LOG_LEVEL: 'silent' });
  t.teardown(() => app.close());
  const ch = (await app.inject(charge('tok_visa', 'r-1', '10.00'))).json();
  const refund = (amount: string, key?: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/refunds',
      headers: key ? { 'idempotency-key': key } : {},
      payload: { charge: ch.id, amount },
    });
  const part = await refund('4.00', 'rf-1');
  t.equal(part.statusCode, 201);
  t.match(part.json(), { id: /^re_/, status: 'succeeded' });
  t.equal((await refund('4.00', 'rf-1')).json().id, part.json().id, 'replayed by key');
  t.equal((await refund('6.01')).statusCode, 400, 'more than what is left');
  t.equal((await refund('6.00')).statusCode, 201, 'the rest');
  const missing = await app.inject({
    method: 'POST',
    url: '/v1/refunds',
    payload: { charge: 'ch_missing', amount: '1.00' },
  });
  t.equal(missing.statusCode, 404);
  t.same(missing.json(), { error: 'no_such_charge' });
});

t.test('bad requests are rejected with 400', async (t) => {
  const app = await buildApp({ LOG_LEVEL: 'silent' });
  t.teardown(() => app.close());
  const noKey = await app.inject({
    method: 'POST',
    url: '/v1/charges',
    payload: { amount: '1.00', currency: 'EUR', token: 'tok_visa', reference: 'x' },
  });
  t.equal(noKey.statusCode, 400);
  for (const payload of [
    { amount: 1, currency: 'EUR', token: 'tok_visa', reference: 'x' },
    { amount: '1.00', currency: 'eur', token: 'tok_visa', reference: 'x' },
    { amount: '1.00', currency: 'EUR', reference: 'x' },
  ]) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/charges',
      headers: { 'idempotency-key': 'bad' },
      payload,
    });
    t.equal(res.statusCode, 400, JSON.stringify(payload));
  }
  // A rejected request was not remembered under its key: a valid one with that key charges.
  t.equal((await app.inject(charge('tok_visa', 'bad'))).statusCode, 201);
});
