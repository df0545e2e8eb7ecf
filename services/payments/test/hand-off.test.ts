// stock.reserved's handler and the provider worker without a broker: the first stock.reserved of an
// order is inserted already leased and handed to this process's worker when its transaction commits
// (not before, not after a rollback); without room for it the row is left to the poll; a cancelled
// order or a copy racing the first in another transaction records nothing; and if the process dies,
// the lease still keeps a second worker away until it expires.
import type { StockReserved } from '@mercato/contracts';
import { afterCommitHooks, createOrm, type EntityManager } from '@mercato/db';
import { envelope } from '@mercato/messaging';
import { eventually, isolatedSchema, TEST_DATABASE_URL } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { migrations } from '../migrations/index.ts';
import { chargeOnStockReserved } from '../src/consumers/charge-on-stock-reserved.ts';
import type { PaymentProvider, ProviderOutcome } from '../src/domain/provider.ts';
import { entities, Payment } from '../src/persistence/entities.ts';
import { ProviderWorker, type ProviderWorkerOptions } from '../src/workers/provider-worker.ts';
import { sleep } from './helpers.ts';

const silent = { info() {}, warn() {}, error() {} };
/** As the consumer hands it to the handler: the type checked, so `data` is typed. */
const stockReservedEvent = (data: StockReserved, correlationId?: string) => ({
  ...envelope('stock.reserved', data, { source: 'test', correlationId }),
  type: 'stock.reserved' as const,
});

t.test('stock.reserved hands its payment to the worker at commit', async (t) => {
  const schema = await isolatedSchema(t, 't_payh');
  const orm = await createOrm({ url: TEST_DATABASE_URL, schema, entities, migrations });
  t.teardown(() => orm.close(true));
  const afterCommit = afterCommitHooks(orm);

  /** A provider that records the keys it is asked for and answers `answer()`. */
  const provider = (answer: () => Promise<ProviderOutcome> | ProviderOutcome = () => succeeded) => {
    const keys: string[] = [];
    const p: PaymentProvider = {
      charge: async (req) => {
        keys.push(req.idempotencyKey);
        return answer();
      },
      refund: async () => ({ kind: 'unavailable', detail: 'unused' }),
    };
    return { keys, p };
  };
  const succeeded: ProviderOutcome = { kind: 'succeeded', providerRef: 'ch_handed' };
  // Never started: no poll runs unless a test kicks it.
  const worker = (p: PaymentProvider, extra: Partial<ProviderWorkerOptions> = {}) => {
    const w = new ProviderWorker({
      orm,
      provider: p,
      logger: silent,
      maxTries: 3,
      refundMaxTries: 3,
      retryBaseMs: 10,
      pollMs: 60_000,
      leaseMs: 60_000,
      ...extra,
    });
    t.teardown(() => w.stop());
    return w;
  };
  const stockReserved = () => {
    const orderId = uuidv7();
    const data: StockReserved = {
      orderId,
      userId: uuidv7(),
      revision: 1,
      lines: [{ productId: uuidv7(), quantity: 1 }],
      total: { amount: '19.90', currency: 'EUR' },
      paymentMethod: { type: 'card', token: 'tok_visa' },
    };
    return stockReservedEvent(data, orderId);
  };
  const rows = (orderId: string) => orm.em.fork().find(Payment, { orderId });
  /** The row as its transaction inserted it: leased (`tries` 1, not due) or left to the poll. */
  const lease = async (em: EntityManager, orderId: string) => {
    const [row] = await em.execute<{ tries: number; due: boolean }[]>(
      'select tries, next_try_at <= now() as due from payment where order_id = ?',
      [orderId],
    );
    return row;
  };
  const outbox = async (orderId: string) =>
    (
      await orm.em
        .fork()
        .execute<{ type: string }[]>("select type from outbox where payload->'data'->>'orderId' = ?", [
          orderId,
        ])
    ).map((r) => r.type);

  t.test('charged once the transaction committed, with no poll and no lease query', async (t) => {
    const { keys, p } = provider();
    const handle = chargeOnStockReserved({ logger: silent, worker: worker(p), afterCommit });
    const event = stockReserved();
    await orm.em.fork().transactional(async (em) => {
      await handle(event, em);
      t.same(await lease(em, event.data.orderId), { tries: 1, due: false }, 'leased by the insert');
      await sleep(50);
      t.same(keys, [], 'no provider call before the commit');
    });
    await eventually(async () => {
      const [row] = await rows(event.data.orderId);
      if (row?.status !== 'succeeded') throw new Error('not charged yet');
    });
    t.same(keys, [`${event.data.orderId}:1`]);
    t.match(await rows(event.data.orderId), [
      { status: 'succeeded', providerRef: 'ch_handed', tries: 1, causationId: event.id },
    ]);
    t.same(await outbox(event.data.orderId), ['payment.succeeded']);
  });

  t.test('a rolled-back transaction hands nothing off and records nothing', async (t) => {
    const { keys, p } = provider();
    const handle = chargeOnStockReserved({ logger: silent, worker: worker(p), afterCommit });
    const event = stockReserved();
    await t.rejects(
      orm.em.fork().transactional(async (em) => {
        await handle(event, em);
        throw new Error('rolled back');
      }),
    );
    await sleep(200);
    t.same(keys, []);
    t.same(await rows(event.data.orderId), []);
  });

  t.test('no room for a hand-off: the row is left due and the poll charges it', async (t) => {
    const { keys, p } = provider();
    const w = worker(p, { handOffLimit: 0 });
    const handle = chargeOnStockReserved({ logger: silent, worker: w, afterCommit });
    const event = stockReserved();
    await orm.em.fork().transactional(async (em) => {
      await handle(event, em);
      t.same(await lease(em, event.data.orderId), { tries: 0, due: true }, 'not leased: due');
    });
    // The handler kicks the worker (a poll run) a moment after it.
    await eventually(async () => {
      const [row] = await rows(event.data.orderId);
      if (row?.status !== 'succeeded') throw new Error('not charged yet');
    });
    t.same(keys, [`${event.data.orderId}:1`]);
    t.match(await rows(event.data.orderId), [{ status: 'succeeded', tries: 1 }]);
  });

  t.test('an order already cancelled: nothing recorded, nothing charged', async (t) => {
    const { keys, p } = provider();
    const handle = chargeOnStockReserved({ logger: silent, worker: worker(p), afterCommit });
    const event = stockReserved();
    await orm.em
      .fork()
      .execute(
        "insert into order_cancellation (order_id, reason, cancelled_at) values (?, 'timeout', now())",
        [event.data.orderId],
      );
    await orm.em.fork().transactional((em) => handle(event, em));
    await sleep(200);
    t.same(await rows(event.data.orderId), []);
    t.same(keys, []);
  });

  t.test('a copy racing the first in another transaction records nothing: one charge', async (t) => {
    const { keys, p } = provider();
    const handle = chargeOnStockReserved({ logger: silent, worker: worker(p), afterCommit });
    const first = stockReserved();
    const copy = stockReservedEvent(first.data);
    let commitFirst = () => {};
    const firstDone = orm.em.fork().transactional(async (em) => {
      await handle(first, em);
      await new Promise<void>((resolve) => {
        commitFirst = resolve;
      });
    });
    await sleep(50);
    // Its insert waits on the first one's uncommitted row, then finds it committed.
    const copyDone = orm.em.fork().transactional((em) => handle(copy, em));
    await sleep(100);
    commitFirst();
    await Promise.all([firstDone, copyDone]);
    await eventually(async () => {
      const [row] = await rows(first.data.orderId);
      if (row?.status !== 'succeeded') throw new Error('not charged yet');
    });
    await sleep(100);
    t.equal((await rows(first.data.orderId)).length, 1);
    t.same(keys, [`${first.data.orderId}:1`]);
    t.same(await outbox(first.data.orderId), ['payment.succeeded']);
  });

  t.test('the process dies mid-call: the poll takes the row only once its lease expired', async (t) => {
    let answerStuck: (o: ProviderOutcome) => void = () => {};
    const stuck = provider(
      () =>
        new Promise<ProviderOutcome>((resolve) => {
          answerStuck = resolve;
        }),
    );
    const healthy = provider();
    const dying = worker(stuck.p, { leaseMs: 1_500 });
    const survivor = worker(healthy.p, { leaseMs: 1_500 });
    const handle = chargeOnStockReserved({ logger: silent, worker: dying, afterCommit });
    const event = stockReserved();
    const started = Date.now();
    await orm.em.fork().transactional((em) => handle(event, em));
    await eventually(async () => {
      if (stuck.keys.length !== 1) throw new Error('first call not made yet');
    });
    const [{ id } = { id: '' }] = await rows(event.data.orderId);
    await survivor.processPayment(id);
    t.same(healthy.keys, [], 'the lease keeps other workers away');

    await eventually(async () => {
      await survivor.processPayment(id);
      const [row] = await rows(event.data.orderId);
      if (row?.status !== 'succeeded') throw new Error('not recorded yet');
    });
    t.ok(Date.now() - started >= 1_400, 'not before the lease expired');
    t.same(healthy.keys, [`${event.data.orderId}:1`], 'the same idempotency key');

    answerStuck(succeeded); // the dead process's late answer: no second outcome, no second event
    await dying.stop();
    t.match(await rows(event.data.orderId), [{ status: 'succeeded', tries: 2 }]);
    t.same(await outbox(event.data.orderId), ['payment.succeeded']);
  });
});
