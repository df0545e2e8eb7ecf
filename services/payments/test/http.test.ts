// The HTTP API: paying again after a failure, reading payments (own only), admin refunds, and the
// refund of a captured payment when its order is cancelled.
import type { StockReserved } from '@mercato/contracts';
import { eventually } from '@mercato/testing';
import nock from 'nock';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { late, PROVIDER, startPayments } from './helpers.ts';

t.before(() => nock.disableNetConnect());
t.teardown(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

type Svc = Awaited<ReturnType<typeof startPayments>>;

/** An order whose first charge was declined, as stock.reserved → payment.failed leaves it. */
async function failedOrder(svc: Svc, userId: string, amount = '42.50') {
  const data: StockReserved = {
    orderId: uuidv7(),
    userId,
    revision: 1,
    lines: [{ productId: uuidv7(), quantity: 1 }],
    total: { amount, currency: 'EUR' },
    paymentMethod: { type: 'card', token: 'tok_chargeDeclined' },
  };
  nock(PROVIDER).post('/v1/charges').reply(402, { error: 'card_declined' });
  await svc.publish(svc.event('stock.reserved', data, data.orderId));
  await svc.events.waitFor('payment.failed', data.orderId);
  return data.orderId;
}

/** An order paid through stock.reserved. */
async function paidOrder(svc: Svc, userId: string, amount = '42.50') {
  const orderId = uuidv7();
  nock(PROVIDER)
    .post('/v1/charges')
    .reply(201, { id: `ch_${orderId}`, status: 'succeeded' });
  await svc.publish(
    svc.event(
      'stock.reserved',
      {
        orderId,
        userId,
        revision: 1,
        lines: [{ productId: uuidv7(), quantity: 1 }],
        total: { amount, currency: 'EUR' },
        paymentMethod: { type: 'card', token: 'tok_visa' },
      } satisfies StockReserved,
      orderId,
    ),
  );
  await svc.events.waitFor('payment.succeeded', orderId);
  const [row] = await svc.query('select id from payment where order_id = $1', [orderId]);
  return { orderId, paymentId: row!.id as string };
}

/** Status and whether the body is problem+json: what every error answer must get right. */
const problem = (res: { statusCode: number; headers: Record<string, unknown> }) => ({
  status: res.statusCode,
  problemJson: /^application\/problem\+json/.test(String(res.headers['content-type'])),
});
const asProblem = (status: number) => ({ status, problemJson: true });

t.test('payments over HTTP', async (t) => {
  // No test here is about timeouts: a generous one keeps the deliberately slow answers from timing out.
  const svc = await startPayments(t, { PAYMENT_PROVIDER_TIMEOUT_MS: '5000' });
  const alice = uuidv7();
  const bob = uuidv7();
  const aliceToken = await svc.token(alice);
  const bobToken = await svc.token(bob);
  const adminToken = await svc.token(uuidv7(), 'admin');
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const count = async () => Number((await svc.query('select count(*) as n from payment'))[0]!.n);
  const countRefunds = async () => Number((await svc.query('select count(*) as n from refund'))[0]!.n);

  t.test(
    'POST /payments pays an order whose payment failed; the same key replays it; then 409',
    async (t) => {
      const orderId = await failedOrder(svc, alice);
      const scope = nock(PROVIDER)
        .post('/v1/charges', { amount: '42.50', currency: 'EUR', token: 'tok_visa', reference: orderId })
        .matchHeader('idempotency-key', `${orderId}:1:2`)
        .reply(201, { id: 'ch_retry', status: 'succeeded' });
      const pay = (token: string, key: string, cardToken = 'tok_visa') =>
        svc.app.inject({
          method: 'POST',
          url: '/payments',
          headers: { ...auth(token), 'idempotency-key': key },
          payload: { orderId, paymentMethod: { type: 'card', token: cardToken } },
        });
      const res = await pay(aliceToken, 'pay-1');
      t.equal(res.statusCode, 201);
      const body = res.json();
      t.match(body, {
        orderId,
        userId: alice,
        attempt: 2,
        status: 'succeeded',
        providerRef: 'ch_retry',
        amount: { amount: '42.50', currency: 'EUR' },
      });
      t.ok(scope.isDone());
      const [succeeded] = await svc.events.waitFor('payment.succeeded', orderId);
      t.equal(succeeded!.data.paymentId, body.id);

      const replay = await pay(aliceToken, 'pay-1');
      t.equal(replay.statusCode, 201);
      t.equal(replay.json().id, body.id);
      t.equal(replay.headers['idempotent-replayed'], 'true');

      const reused = await pay(aliceToken, 'pay-1', 'tok_other');
      t.same(problem(reused), asProblem(422));

      const again = await pay(aliceToken, 'pay-2');
      t.same(problem(again), asProblem(409));
      t.equal(svc.events.of('payment.succeeded', orderId).length, 1);
    },
  );

  t.test('a retry that is declined again can be retried once more', async (t) => {
    const orderId = await failedOrder(svc, alice, '3.00');
    nock(PROVIDER).post('/v1/charges').matchHeader('idempotency-key', `${orderId}:1:2`).reply(402, {
      error: 'card_declined',
    });
    const first = await svc.app.inject({
      method: 'POST',
      url: '/payments',
      headers: auth(aliceToken),
      payload: { orderId, paymentMethod: { type: 'card', token: 'tok_chargeDeclined' } },
    });
    t.equal(first.statusCode, 201);
    t.match(first.json(), { status: 'failed', failureReason: 'card_declined', attempt: 2 });
    nock(PROVIDER)
      .post('/v1/charges')
      .matchHeader('idempotency-key', `${orderId}:1:3`)
      .reply(201, { id: 'ch_third', status: 'succeeded' });
    const second = await svc.app.inject({
      method: 'POST',
      url: '/payments',
      headers: auth(aliceToken),
      payload: { orderId, paymentMethod: { type: 'card', token: 'tok_visa' } },
    });
    t.match(second.json(), { status: 'succeeded', attempt: 3 });
  });

  /** Publishes order.cancelled and waits until payments has recorded it. */
  const cancelOrder = async (orderId: string, userId: string, reason: string) => {
    const event = svc.event(
      'order.cancelled',
      { orderId, userId, reason, previousStatus: 'PENDING' },
      orderId,
    );
    await svc.publish(event);
    await eventually(async () => {
      if ((await svc.query('select 1 from inbox where message_id = $1', [event.id])).length === 0)
        throw new Error('not yet');
    });
  };

  t.test(
    'POST /payments once the order was cancelled, payment_failed included → 409, no charge',
    async (t) => {
      for (const reason of ['payment_failed', 'timeout', 'customer']) {
        const orderId = await failedOrder(svc, alice);
        await cancelOrder(orderId, alice, reason);
        const before = await count();
        const res = await svc.app.inject({
          method: 'POST',
          url: '/payments',
          headers: { ...auth(aliceToken), 'idempotency-key': `after-cancel-${orderId}` },
          payload: { orderId, paymentMethod: { type: 'card', token: 'tok_visa' } },
        });
        t.same(problem(res), asProblem(409), reason);
        t.match(res.json(), {
          type: 'https://mercato.dev/problems/conflict',
          detail: `The order was cancelled (${reason}); place it again`,
          cancelReason: reason,
        });
        t.equal(await count(), before, 'no payment recorded');
        t.same(
          await svc.query('select 1 from idempotency_key where key = $1', [`after-cancel-${orderId}`]),
          [],
          'the key is not used up',
        );
        t.equal(svc.events.of('payment.succeeded', orderId).length, 0);
      }
    },
  );

  t.test(
    'a retry whose capture lands after the order was cancelled (payment_failed) is refunded',
    async (t) => {
      const orderId = await failedOrder(svc, alice, '7.00');
      nock(PROVIDER)
        .post('/v1/charges')
        .matchHeader('idempotency-key', `${orderId}:1:2`)
        .reply(async () => late(400, { id: 'ch_late_retry', status: 'succeeded' }));
      const refund = nock(PROVIDER)
        .post('/v1/refunds', { charge: 'ch_late_retry', amount: '7.00' })
        .reply(201, { id: 're_late_retry', status: 'succeeded' });
      // Allowed: nothing says the order is over yet.
      const paying = svc.app.inject({
        method: 'POST',
        url: '/payments',
        headers: auth(aliceToken),
        payload: { orderId, paymentMethod: { type: 'card', token: 'tok_visa' } },
      });
      await eventually(async () => {
        const [p] = await svc.query('select tries from payment where order_id = $1 and attempt = 2', [
          orderId,
        ]);
        if (!p || Number(p.tries) < 1) throw new Error('retry charge not started');
      });
      // Meanwhile the retry window closes: orders cancels the order.
      await cancelOrder(orderId, alice, 'payment_failed');
      const res = await paying;
      t.equal(res.statusCode, 201);
      t.match(res.json(), { attempt: 2, status: 'succeeded' });
      const [refunded] = await svc.events.waitFor('payment.refunded', orderId);
      t.match(refunded!.data, { amount: { amount: '7.00' }, reason: 'order_payment_failed' });
      t.ok(refund.isDone(), 'the capture went back to the card');
      t.same(await svc.query('select amount from refund where order_id = $1', [orderId]), [
        { amount: '7.0000' },
      ]);
    },
  );

  t.test('POST /payments: 404 for an unknown order or someone else’s, nothing charged', async (t) => {
    const orderId = await failedOrder(svc, alice);
    const before = await count();
    for (const [token, id] of [
      [bobToken, orderId],
      [aliceToken, uuidv7()],
    ] as const) {
      const res = await svc.app.inject({
        method: 'POST',
        url: '/payments',
        headers: auth(token),
        payload: { orderId: id, paymentMethod: { type: 'card', token: 'tok_visa' } },
      });
      t.same(problem(res), asProblem(404));
    }
    t.equal(await count(), before);
  });

  t.test('bad input → 400 problem+json, and nothing changes', async (t) => {
    const orderId = await failedOrder(svc, alice);
    const before = await count();
    const beforeRefunds = await countRefunds();
    const bodies: unknown[] = [
      {},
      { orderId: 'not-a-uuid', paymentMethod: { type: 'card', token: 'tok_visa' } },
      { orderId, paymentMethod: { type: 'cash', token: 'x' } },
      { orderId, paymentMethod: { type: 'card', token: '' } },
      { orderId, paymentMethod: { type: 'card', token: 'tok_visa' }, amount: '1.00' },
    ];
    for (const payload of bodies) {
      const res = await svc.app.inject({
        method: 'POST',
        url: '/payments',
        headers: auth(aliceToken),
        payload: payload as object,
      });
      t.same(problem(res), asProblem(400));
    }
    const longKey = await svc.app.inject({
      method: 'POST',
      url: '/payments',
      headers: { ...auth(aliceToken), 'idempotency-key': 'k'.repeat(201) },
      payload: { orderId, paymentMethod: { type: 'card', token: 'tok_visa' } },
    });
    t.same(problem(longKey), asProblem(400));
    t.same(
      problem(
        await svc.app.inject({ method: 'GET', url: '/payments/not-a-uuid', headers: auth(aliceToken) }),
      ),
      asProblem(400),
    );
    t.same(
      problem(
        await svc.app.inject({ method: 'GET', url: '/payments?pageSize=1000', headers: auth(aliceToken) }),
      ),
      asProblem(400),
    );
    t.same(
      problem(
        await svc.app.inject({ method: 'GET', url: '/payments?status=lost', headers: auth(aliceToken) }),
      ),
      asProblem(400),
    );
    for (const payload of [
      { amount: '-1.00' },
      { amount: '1e3' },
      { amount: 5 },
      { amount: '1.00', currency: 'eur' },
    ]) {
      const res = await svc.app.inject({
        method: 'POST',
        url: `/payments/${uuidv7()}/refunds`,
        headers: auth(adminToken),
        payload,
      });
      t.same(problem(res), asProblem(400));
    }
    t.same(
      problem(
        await svc.app.inject({
          method: 'POST',
          url: '/payments/nope/refunds',
          headers: auth(adminToken),
          payload: {},
        }),
      ),
      asProblem(400),
    );
    t.equal(await count(), before);
    t.equal(await countRefunds(), beforeRefunds);
  });

  t.test('no or bad token → 401 on every route', async (t) => {
    const routes = [
      { method: 'GET' as const, url: '/payments' },
      { method: 'GET' as const, url: `/payments/${uuidv7()}` },
      { method: 'POST' as const, url: '/payments', payload: {} },
      { method: 'POST' as const, url: `/payments/${uuidv7()}/refunds`, payload: {} },
    ];
    for (const r of routes) {
      t.same(problem(await svc.app.inject(r)), asProblem(401));
      t.same(
        problem(await svc.app.inject({ ...r, headers: { authorization: 'Bearer nope' } })),
        asProblem(401),
      );
    }
  });

  t.test('customers see only their own payments; admins see all', async (t) => {
    const carol = uuidv7();
    const carolToken = await svc.token(carol);
    const { paymentId } = await paidOrder(svc, carol, '1.00');
    const dave = uuidv7();
    const { paymentId: davesPayment } = await paidOrder(svc, dave, '2.00');

    const mine = await svc.app.inject({ method: 'GET', url: '/payments', headers: auth(carolToken) });
    t.equal(mine.statusCode, 200);
    t.same(
      mine.json().items.map((p: { id: string }) => p.id),
      [paymentId],
    );
    t.equal(mine.json().total, 1);
    t.same(
      problem(
        await svc.app.inject({ method: 'GET', url: `/payments/${davesPayment}`, headers: auth(carolToken) }),
      ),
      asProblem(404),
    );
    const own = await svc.app.inject({
      method: 'GET',
      url: `/payments/${paymentId}`,
      headers: auth(carolToken),
    });
    t.equal(own.statusCode, 200);
    t.match(own.json(), { id: paymentId, userId: carol, status: 'succeeded', amount: { amount: '1.00' } });

    const all = await svc.app.inject({
      method: 'GET',
      url: '/payments?pageSize=100',
      headers: auth(adminToken),
    });
    const ids = all.json().items.map((p: { id: string }) => p.id);
    t.ok(ids.includes(paymentId) && ids.includes(davesPayment));
    const byOrder = await svc.app.inject({
      method: 'GET',
      url: `/payments/${davesPayment}`,
      headers: auth(adminToken),
    });
    t.equal(byOrder.json().userId, dave);
  });

  t.test('admin refunds: partial, then never more than what is left (422)', async (t) => {
    const { orderId, paymentId } = await paidOrder(svc, alice, '42.50');
    const refundKeys: string[] = [];
    nock(PROVIDER)
      .post('/v1/refunds', { charge: `ch_${orderId}`, amount: '30.00' })
      .matchHeader('idempotency-key', (k: string | null) => refundKeys.push(String(k)) > 0)
      .reply(201, { id: 're_1', status: 'succeeded' });
    const refund = (token: string, payload: object, key?: string) =>
      svc.app.inject({
        method: 'POST',
        url: `/payments/${paymentId}/refunds`,
        headers: { ...auth(token), ...(key ? { 'idempotency-key': key } : {}) },
        payload,
      });
    t.same(problem(await refund(aliceToken, { amount: '1.00' })), asProblem(403));
    const res = await refund(adminToken, { amount: '30.00', reason: 'damaged' }, 'rf-1');
    t.equal(res.statusCode, 201);
    t.match(res.json(), {
      paymentId,
      status: 'succeeded',
      amount: { amount: '30.00', currency: 'EUR' },
      reason: 'damaged',
    });
    t.same(refundKeys, [res.json().id], 'the refund id is the provider idempotency key');
    const [refunded] = await svc.events.waitFor('payment.refunded', orderId);
    t.match(refunded!.data, {
      paymentId,
      refundId: res.json().id,
      amount: { amount: '30.00' },
      reason: 'damaged',
    });
    t.equal(
      (await refund(adminToken, { amount: '30.00', reason: 'damaged' }, 'rf-1')).json().id,
      res.json().id,
    );

    const before = await countRefunds();
    const tooMuch = await refund(adminToken, { amount: '12.51' });
    t.same(problem(tooMuch), asProblem(422));
    t.match(tooMuch.json().detail, /12.50 EUR/);
    t.equal(await countRefunds(), before);
    const view = await svc.app.inject({
      method: 'GET',
      url: `/payments/${paymentId}`,
      headers: auth(aliceToken),
    });
    t.match(view.json(), { refunded: { amount: '30.00' }, refunds: [{ status: 'succeeded' }] });

    const notCaptured = await failedOrder(svc, alice);
    const [failed] = await svc.query('select id from payment where order_id = $1', [notCaptured]);
    t.same(
      problem(
        await svc.app.inject({
          method: 'POST',
          url: `/payments/${failed!.id}/refunds`,
          headers: auth(adminToken),
          payload: {},
        }),
      ),
      asProblem(422),
    );
    t.same(
      problem(
        await svc.app.inject({
          method: 'POST',
          url: `/payments/${uuidv7()}/refunds`,
          headers: auth(adminToken),
          payload: {},
        }),
      ),
      asProblem(404),
    );
  });

  t.test('order.cancelled after capture → refund of what is left → payment.refunded', async (t) => {
    const { orderId, paymentId } = await paidOrder(svc, bob, '20.00');
    nock(PROVIDER)
      .post('/v1/refunds', { charge: `ch_${orderId}`, amount: '20.00' })
      .reply(201, { id: 're_cancel', status: 'succeeded' });
    const cancelled = svc.event(
      'order.cancelled',
      { orderId, userId: bob, reason: 'customer', previousStatus: 'CONFIRMED' },
      orderId,
    );
    await svc.publish(cancelled);
    const [refunded] = await svc.events.waitFor('payment.refunded', orderId);
    t.match(refunded!.data, {
      paymentId,
      orderId,
      userId: bob,
      amount: { amount: '20.00', currency: 'EUR' },
      reason: 'order_customer',
    });
    t.equal(refunded!.causationId, cancelled.id);
    // Announced again (orders does so for a capture that lands after a cancellation): nothing left to refund.
    await svc.publish(
      svc.event(
        'order.cancelled',
        { orderId, userId: bob, reason: 'customer', previousStatus: 'CANCELLED' },
        orderId,
      ),
    );
    const again = svc.event(
      'order.cancelled',
      { orderId, userId: bob, reason: 'customer', previousStatus: 'CANCELLED' },
      orderId,
    );
    await svc.publish(again);
    await eventually(async () => {
      if ((await svc.query('select 1 from inbox where message_id = $1', [again.id])).length === 0)
        throw new Error('not yet');
    });
    t.same(await svc.query('select amount from refund where order_id = $1', [orderId]), [
      { amount: '20.0000' },
    ]);
  });

  t.test('a refund the provider refuses is failed and its amount can be refunded again', async (t) => {
    const { orderId, paymentId } = await paidOrder(svc, alice, '8.00');
    nock(PROVIDER).post('/v1/refunds').reply(400, { error: 'amount_too_large' });
    const refused = await svc.app.inject({
      method: 'POST',
      url: `/payments/${paymentId}/refunds`,
      headers: auth(adminToken),
      payload: { amount: '8.00' },
    });
    t.equal(refused.statusCode, 201);
    t.match(refused.json(), { status: 'failed', failureReason: 'amount_too_large' });
    const view = await svc.app.inject({
      method: 'GET',
      url: `/payments/${paymentId}`,
      headers: auth(adminToken),
    });
    t.equal(view.json().refunded.amount, '0.00');
    nock(PROVIDER).post('/v1/refunds').reply(201, { id: 're_ok', status: 'succeeded' });
    const ok = await svc.app.inject({
      method: 'POST',
      url: `/payments/${paymentId}/refunds`,
      headers: auth(adminToken),
      payload: {},
    });
    t.match(ok.json(), { status: 'succeeded', amount: { amount: '8.00' } });
    t.equal((await svc.events.waitFor('payment.refunded', orderId)).length, 1);
  });

  t.test('POST /payments while the first charge is still running → 409', async (t) => {
    const orderId = uuidv7();
    nock(PROVIDER)
      .post('/v1/charges')
      .reply(async () => late(250, { id: 'ch_slow', status: 'succeeded' }));
    await svc.publish(
      svc.event('stock.reserved', {
        orderId,
        userId: alice,
        revision: 1,
        lines: [{ productId: uuidv7(), quantity: 1 }],
        total: { amount: '1.00', currency: 'EUR' },
        paymentMethod: { type: 'card', token: 'tok_visa' },
      } satisfies StockReserved),
    );
    await eventually(async () => {
      const [p] = await svc.query('select tries from payment where order_id = $1', [orderId]);
      if (!p || Number(p.tries) < 1) throw new Error('charge not started');
    });
    const res = await svc.app.inject({
      method: 'POST',
      url: '/payments',
      headers: auth(aliceToken),
      payload: { orderId, paymentMethod: { type: 'card', token: 'tok_visa' } },
    });
    t.same(problem(res), asProblem(409));
    await svc.events.waitFor('payment.succeeded', orderId);
    t.equal(
      Number((await svc.query('select count(*) as n from payment where order_id = $1', [orderId]))[0]!.n),
      1,
    );
  });

  t.test('a cancellation that arrives while the charge is in flight → the capture is refunded', async (t) => {
    const orderId = uuidv7();
    let providerCalled = false;
    nock(PROVIDER)
      .post('/v1/charges')
      .reply(async () => {
        providerCalled = true;
        return late(150, { id: 'ch_in_flight', status: 'succeeded' });
      });
    nock(PROVIDER)
      .post('/v1/refunds', { charge: 'ch_in_flight', amount: '9.99' })
      .reply(201, { id: 're_2', status: 'succeeded' });
    await svc.publish(
      svc.event('stock.reserved', {
        orderId,
        userId: bob,
        revision: 1,
        lines: [{ productId: uuidv7(), quantity: 1 }],
        total: { amount: '9.99', currency: 'EUR' },
        paymentMethod: { type: 'card', token: 'tok_visa' },
      } satisfies StockReserved),
    );
    // The provider has the request (and answers 150 ms later) when the cancellation is sent.
    await eventually(async () => {
      if (!providerCalled) throw new Error('charge not started');
    });
    await svc.publish(
      svc.event('order.cancelled', { orderId, userId: bob, reason: 'timeout', previousStatus: 'PENDING' }),
    );
    await svc.events.waitFor('payment.succeeded', orderId);
    const [refunded] = await svc.events.waitFor('payment.refunded', orderId);
    t.match(refunded!.data, { amount: { amount: '9.99' }, reason: 'order_timeout' });
  });
});
