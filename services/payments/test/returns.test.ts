// return.received → a partial refund of the order's capture: the paid amount of the returned lines,
// once per return, never more than what is left of the capture (the rest is capped, nothing when
// nothing is left) → payment.refunded with the returnId; the payment's view shows it.
import type { ReturnReceived, StockReserved } from '@mercato/contracts';
import type { Envelope } from '@mercato/messaging';
import { eventually } from '@mercato/testing';
import nock from 'nock';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { PROVIDER, sleep, startPayments } from './helpers.ts';

t.before(() => nock.disableNetConnect());
t.teardown(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

type Svc = Awaited<ReturnType<typeof startPayments>>;

/** An order of `userId` charged `amount` EUR through stock.reserved (captured, or declined). */
async function chargedOrder(svc: Svc, userId: string, amount: string, outcome: 'captured' | 'declined') {
  const orderId = uuidv7();
  if (outcome === 'captured')
    nock(PROVIDER)
      .post('/v1/charges')
      .reply(201, { id: `ch_${orderId}`, status: 'succeeded' });
  else nock(PROVIDER).post('/v1/charges').reply(402, { error: 'card_declined' });
  const data: StockReserved = {
    orderId,
    userId,
    revision: 1,
    lines: [
      { productId: uuidv7(), quantity: 2 },
      { productId: uuidv7(), quantity: 1 },
    ],
    total: { amount, currency: 'EUR' },
    paymentMethod: { type: 'card', token: outcome === 'captured' ? 'tok_visa' : 'tok_chargeDeclined' },
  };
  await svc.publish(svc.event('stock.reserved', data, orderId));
  await svc.events.waitFor(outcome === 'captured' ? 'payment.succeeded' : 'payment.failed', orderId);
  const [row] = await svc.query('select id from payment where order_id = $1', [orderId]);
  return { orderId, paymentId: row!.id as string };
}

/** A return of the order's lines worth `refund` EUR, delivered back to the store. */
const returnReceived = (orderId: string, userId: string, refund: string): ReturnReceived => ({
  returnId: uuidv7(),
  orderId,
  userId,
  storeId: uuidv7(),
  lines: [{ productId: uuidv7(), quantity: 1, amount: { amount: refund, currency: 'EUR' } }],
  refund: { amount: refund, currency: 'EUR' },
  at: new Date().toISOString(),
});

t.test('return.received', async (t) => {
  const svc = await startPayments(t);
  const alice = uuidv7();
  const aliceToken = await svc.token(alice);
  const view = async (paymentId: string) =>
    (
      await svc.app.inject({
        method: 'GET',
        url: `/payments/${paymentId}`,
        headers: { authorization: `Bearer ${aliceToken}` },
      })
    ).json();
  const refundsOf = (orderId: string) =>
    svc.query('select amount, return_id from refund where order_id = $1 order by created_at', [orderId]);
  /** Publishes `event` and waits until payments' consumer has handled it. */
  const deliver = async (event: Envelope) => {
    await svc.publish(event);
    await eventually(async () => {
      if ((await svc.query('select 1 from inbox where message_id = $1', [event.id])).length === 0)
        throw new Error('not handled yet');
    });
  };

  t.test('refunds the paid amount of the returned lines: a partial refund → payment.refunded', async (t) => {
    const { orderId, paymentId } = await chargedOrder(svc, alice, '50.00', 'captured');
    const data = returnReceived(orderId, alice, '15.00');
    const keys: string[] = [];
    const provider = nock(PROVIDER)
      .post('/v1/refunds', { charge: `ch_${orderId}`, amount: '15.00' })
      .matchHeader('idempotency-key', (k: string | null) => keys.push(String(k)) > 0)
      .reply(201, { id: 're_return_1', status: 'succeeded' });
    const event = svc.event('return.received', data, orderId);
    await svc.publish(event);

    const [refunded] = await svc.events.waitFor('payment.refunded', orderId);
    t.ok(provider.isDone(), 'the provider refunded the lines, not the whole charge');
    t.same(keys, [`return:${data.returnId}`], 'the provider key is derived from the return');
    t.match(refunded!.data, {
      paymentId,
      orderId,
      userId: alice,
      returnId: data.returnId,
      amount: { amount: '15.00', currency: 'EUR' },
      reason: 'returned',
    });
    t.equal(refunded!.causationId, event.id);

    const payment = await view(paymentId);
    t.match(payment, {
      amount: { amount: '50.00', currency: 'EUR' },
      refunded: { amount: '15.00', currency: 'EUR' },
      refundable: { amount: '35.00', currency: 'EUR' },
      refunds: [
        {
          returnId: data.returnId,
          amount: { amount: '15.00', currency: 'EUR' },
          reason: 'returned',
          status: 'succeeded',
        },
      ],
    });
    t.equal(payment.refunds.length, 1);

    t.test('redelivered, or copied under another message id: no second refund', async (t) => {
      await deliver(event);
      await deliver(svc.event('return.received', data, orderId));
      await sleep(300);
      t.same(await refundsOf(orderId), [{ amount: '15.0000', return_id: data.returnId }]);
      t.equal(svc.events.of('payment.refunded', orderId).length, 1);
      t.match(await view(paymentId), { refunded: { amount: '15.00' }, refundable: { amount: '35.00' } });
    });
  });

  t.test('two returns of one order are both refunded', async (t) => {
    const { orderId, paymentId } = await chargedOrder(svc, alice, '50.00', 'captured');
    const first = returnReceived(orderId, alice, '10.00');
    const second = returnReceived(orderId, alice, '20.00');
    const provider = nock(PROVIDER)
      .post('/v1/refunds', { charge: `ch_${orderId}`, amount: '10.00' })
      .matchHeader('idempotency-key', `return:${first.returnId}`)
      .reply(201, { id: 're_first', status: 'succeeded' })
      .post('/v1/refunds', { charge: `ch_${orderId}`, amount: '20.00' })
      .matchHeader('idempotency-key', `return:${second.returnId}`)
      .reply(201, { id: 're_second', status: 'succeeded' });
    // At once: they take their turn on the order's payment.
    await Promise.all([
      svc.publish(svc.event('return.received', first, orderId)),
      svc.publish(svc.event('return.received', second, orderId)),
    ]);
    const refunded = await svc.events.waitFor('payment.refunded', orderId, 2);
    t.ok(provider.isDone());
    t.same(
      refunded.map((e) => [e.data.returnId, e.data.amount.amount]).sort((a, b) => a[1].localeCompare(b[1])),
      [
        [first.returnId, '10.00'],
        [second.returnId, '20.00'],
      ],
    );
    t.match(await view(paymentId), {
      refunded: { amount: '30.00' },
      refundable: { amount: '20.00' },
      refunds: [{ status: 'succeeded' }, { status: 'succeeded' }],
    });
  });

  t.test(
    'never more than is left of the capture: capped to what is left, then nothing once none is',
    async (t) => {
      const { orderId, paymentId } = await chargedOrder(svc, alice, '20.00', 'captured');
      // An admin gave 15.00 back by hand first.
      nock(PROVIDER)
        .post('/v1/refunds', { charge: `ch_${orderId}`, amount: '15.00' })
        .reply(201, { id: 're_goodwill', status: 'succeeded' });
      const admin = await svc.app.inject({
        method: 'POST',
        url: `/payments/${paymentId}/refunds`,
        headers: { authorization: `Bearer ${await svc.token(uuidv7(), 'admin')}` },
        payload: { amount: '15.00', reason: 'goodwill' },
      });
      t.equal(admin.statusCode, 201);
      await svc.events.waitFor('payment.refunded', orderId);

      // The return is worth 10.00, 5.00 is left: 5.00 goes back.
      const capped = returnReceived(orderId, alice, '10.00');
      const provider = nock(PROVIDER)
        .post('/v1/refunds', { charge: `ch_${orderId}`, amount: '5.00' })
        .matchHeader('idempotency-key', `return:${capped.returnId}`)
        .reply(201, { id: 're_capped', status: 'succeeded' });
      await svc.publish(svc.event('return.received', capped, orderId));
      const [, refunded] = await svc.events.waitFor('payment.refunded', orderId, 2);
      t.ok(provider.isDone());
      t.match(refunded!.data, { returnId: capped.returnId, amount: { amount: '5.00', currency: 'EUR' } });
      t.match(await view(paymentId), { refunded: { amount: '20.00' }, refundable: { amount: '0.00' } });

      // Nothing left: a further return refunds nothing (no provider call: any would fail the test).
      const nothingLeft = returnReceived(orderId, alice, '3.00');
      await deliver(svc.event('return.received', nothingLeft, orderId));
      await sleep(300);
      t.same(
        (await refundsOf(orderId)).map((r) => r.amount),
        ['15.0000', '5.0000'],
      );
      t.equal(svc.events.of('payment.refunded', orderId).length, 2);
      t.match(await view(paymentId), { refunded: { amount: '20.00' }, refundable: { amount: '0.00' } });
    },
  );

  t.test('an order without a captured payment: nothing refunded', async (t) => {
    const { orderId, paymentId } = await chargedOrder(svc, alice, '12.00', 'declined');
    await deliver(svc.event('return.received', returnReceived(orderId, alice, '12.00'), orderId));
    // And an order payments never charged at all.
    const unknown = uuidv7();
    await deliver(svc.event('return.received', returnReceived(unknown, alice, '4.00'), unknown));
    await sleep(300);
    t.same(await refundsOf(orderId), []);
    t.same(await refundsOf(unknown), []);
    t.equal(svc.events.of('payment.refunded', orderId).length, 0);
    t.match(await view(paymentId), {
      status: 'failed',
      refunded: { amount: '0.00' },
      refundable: { amount: '0.00' },
      refunds: [],
    });
  });

  t.test('a return in another currency than the capture: nothing refunded', async (t) => {
    const { orderId, paymentId } = await chargedOrder(svc, alice, '30.00', 'captured');
    const data = returnReceived(orderId, alice, '10.00');
    await deliver(
      svc.event('return.received', { ...data, refund: { amount: '10.00', currency: 'USD' } }, orderId),
    );
    await sleep(300);
    t.same(await refundsOf(orderId), []);
    t.match(await view(paymentId), { refunded: { amount: '0.00' }, refundable: { amount: '30.00' } });
  });
});
