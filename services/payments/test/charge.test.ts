// stock.reserved → one charge per order revision → payment.succeeded | payment.failed (via the outbox).
import type { StockReserved } from '@mercato/contracts';
import { eventually } from '@mercato/testing';
import nock from 'nock';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { late, PROVIDER, sleep, startPayments } from './helpers.ts';

t.before(() => nock.disableNetConnect());
t.teardown(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const reserved = (token: string, amount = '42.50'): StockReserved => ({
  orderId: uuidv7(),
  userId: uuidv7(),
  revision: 1,
  lines: [{ productId: uuidv7(), quantity: 2 }],
  total: { amount, currency: 'EUR' },
  paymentMethod: { type: 'card', token },
});

t.test('stock.reserved', async (t) => {
  const svc = await startPayments(t);

  t.test('a good card is charged once with orderId:revision as key → payment.succeeded', async (t) => {
    const data = reserved('tok_visa');
    const keys: string[] = [];
    const scope = nock(PROVIDER)
      .post('/v1/charges', { amount: '42.50', currency: 'EUR', token: 'tok_visa', reference: data.orderId })
      .matchHeader('idempotency-key', (key: string | null) => keys.push(String(key)) > 0)
      .reply(201, { id: 'ch_ok_1', status: 'succeeded', amount: '42.50', currency: 'EUR' });
    const event = svc.event('stock.reserved', data, data.orderId);
    await svc.publish(event);
    const [succeeded] = await svc.events.waitFor('payment.succeeded', data.orderId);
    t.ok(scope.isDone());
    t.same(keys, [`${data.orderId}:1`]);
    t.match(succeeded!.data, {
      orderId: data.orderId,
      userId: data.userId,
      revision: 1,
      amount: { amount: '42.50', currency: 'EUR' },
      providerRef: 'ch_ok_1',
    });
    t.equal(succeeded!.correlationId, data.orderId);
    t.equal(succeeded!.causationId, event.id);

    // The same message again, and a copy under a new id: no second charge, no second event.
    await svc.publish(event);
    const copy = svc.event('stock.reserved', data, data.orderId);
    await svc.publish(copy);
    await eventually(async () => {
      const rows = await svc.query('select 1 from inbox where message_id = $1', [copy.id]);
      if (rows.length !== 1) throw new Error('copy not handled yet');
    });
    await sleep(300);
    const payments = await svc.query('select status from payment where order_id = $1', [data.orderId]);
    t.same(payments, [{ status: 'succeeded' }]);
    t.equal(svc.events.of('payment.succeeded', data.orderId).length, 1);
    t.equal(svc.events.of('payment.failed', data.orderId).length, 0);
  });

  t.test('a declined card → payment.failed card_declined, no retry', async (t) => {
    const data = reserved('tok_chargeDeclined', '10.00');
    const scope = nock(PROVIDER).post('/v1/charges').once().reply(402, { error: 'card_declined' });
    await svc.publish(svc.event('stock.reserved', data, data.orderId));
    const [failed] = await svc.events.waitFor('payment.failed', data.orderId);
    t.ok(scope.isDone());
    t.match(failed!.data, {
      reason: 'card_declined',
      amount: { amount: '10.00', currency: 'EUR' },
      revision: 1,
    });
  });

  t.test('5xx then success: retried with the same key → payment.succeeded', async (t) => {
    const data = reserved('tok_visa', '5.00');
    const keys: string[] = [];
    const key = (k: string | null) => keys.push(String(k)) > 0;
    nock(PROVIDER)
      .post('/v1/charges')
      .matchHeader('idempotency-key', key)
      .times(2)
      .reply(503, { error: 'unavailable' })
      .post('/v1/charges')
      .matchHeader('idempotency-key', key)
      .reply(201, { id: 'ch_after_503', status: 'succeeded' });
    await svc.publish(svc.event('stock.reserved', data, data.orderId));
    const [succeeded] = await svc.events.waitFor('payment.succeeded', data.orderId);
    t.equal(succeeded!.data.providerRef, 'ch_after_503');
    t.same(keys, Array(3).fill(`${data.orderId}:1`));
    t.equal(svc.events.of('payment.failed', data.orderId).length, 0);
  });

  t.test(
    'the provider times out every time → bounded tries, then payment.failed provider_unavailable',
    async (t) => {
      const data = reserved('tok_timeout', '7.00');
      let calls = 0;
      nock(PROVIDER)
        .post('/v1/charges')
        .times(3)
        .reply(async () => {
          calls++;
          return late(1000, { id: 'ch_too_late', status: 'succeeded' });
        });
      await svc.publish(svc.event('stock.reserved', data, data.orderId));
      const [failed] = await svc.events.waitFor('payment.failed', data.orderId);
      t.equal(failed!.data.reason, 'provider_unavailable');
      t.equal(calls, 3, 'PAYMENT_PROVIDER_MAX_TRIES calls');
      t.equal(svc.events.of('payment.succeeded', data.orderId).length, 0);
    },
  );

  t.test(
    'lines changed after a capture: the new revision is charged, the old capture refunded',
    async (t) => {
      const first = reserved('tok_visa', '30.00');
      nock(PROVIDER)
        .post('/v1/charges')
        .matchHeader('idempotency-key', `${first.orderId}:1`)
        .reply(201, { id: 'ch_rev1', status: 'succeeded' });
      await svc.publish(svc.event('stock.reserved', first, first.orderId));
      await svc.events.waitFor('payment.succeeded', first.orderId);

      const second = { ...first, revision: 2, total: { amount: '12.00', currency: 'EUR' } };
      const charged = nock(PROVIDER)
        .post('/v1/charges', {
          amount: '12.00',
          currency: 'EUR',
          token: 'tok_visa',
          reference: first.orderId,
        })
        .matchHeader('idempotency-key', `${first.orderId}:2`)
        .reply(201, { id: 'ch_rev2', status: 'succeeded' });
      const refunded = nock(PROVIDER)
        .post('/v1/refunds', { charge: 'ch_rev1', amount: '30.00' })
        .reply(201, { id: 're_rev1', status: 'succeeded' });
      await svc.publish(svc.event('stock.reserved', second, first.orderId));
      const succeeded = await svc.events.waitFor('payment.succeeded', first.orderId, 2);
      t.same(
        succeeded.map((e) => [e.data.revision, e.data.amount.amount]),
        [
          [1, '30.00'],
          [2, '12.00'],
        ],
      );
      const [refund] = await svc.events.waitFor('payment.refunded', first.orderId);
      t.match(refund!.data, { amount: { amount: '30.00' }, reason: 'revision_superseded' });
      t.ok(charged.isDone() && refunded.isDone());

      // The older revision arriving late is stale: not charged.
      const late = svc.event('stock.reserved', first, first.orderId);
      await svc.publish(late);
      await eventually(async () => {
        if ((await svc.query('select 1 from inbox where message_id = $1', [late.id])).length !== 1)
          throw new Error('not handled yet');
      });
      t.equal(
        Number(
          (await svc.query('select count(*) as n from payment where order_id = $1', [first.orderId]))[0]!.n,
        ),
        2,
      );
    },
  );

  t.test('an invalid stock.reserved changes nothing', async (t) => {
    const orderId = uuidv7();
    const bad = svc.event('stock.reserved', {
      orderId,
      revision: 0,
      total: { amount: 12.5, currency: 'EUR' },
    });
    await svc.publish(bad);
    const dlq = `${svc.exchange}.payments.charge.dlq`;
    const amqp = (await import('amqplib')).default;
    const conn = await amqp.connect(svc.config.AMQP_URL);
    t.teardown(() => conn.close());
    const ch = await conn.createChannel();
    const dead = await eventually(async () => {
      const msg = await ch.get(dlq, { noAck: true });
      if (!msg) throw new Error('not dead-lettered yet');
      return JSON.parse(msg.content.toString());
    });
    t.equal(dead.id, bad.id);
    t.same(await svc.query('select * from payment where order_id = $1', [orderId]), []);
  });
});
