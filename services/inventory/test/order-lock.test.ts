// The order's lock is taken by the statement that reads the order (stock-ledger.ts readOrderAndStock's
// `lock`): that statement's snapshot predates the lock, so when it waited for another handler of the
// order, that handler's commit is not in what it read. These races make it wait, on purpose, and check
// that the answer is the one a read after the lock would give.
import type { OrderStatusChanged } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { eventually } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { lockOrder, rememberCancelled } from '../src/persistence/stock-ledger.ts';
import { commitStock } from '../src/use-cases/commit-stock.ts';
import type { LedgerDeps } from '../src/use-cases/ledger.ts';
import { reserveStock } from '../src/use-cases/reserve-stock.ts';
import { type Harness, orderPlaced, seedStock, setup } from './helpers.ts';

const deps: LedgerDeps = { touched() {} };

/**
 * Runs `first` in a transaction that holds the order's lock, starts `second` in another while it
 * does, and commits `first` only once `second` waits for the lock (so its snapshot predates the commit).
 */
async function whileLocked(
  h: Harness,
  orderId: string,
  first: (em: EntityManager) => Promise<void>,
  second: (em: EntityManager) => Promise<void>,
): Promise<void> {
  const orm = h.app.orm;
  let waiting!: Promise<void>;
  await orm.em.fork().transactional(async (em) => {
    await lockOrder(em, orderId);
    await first(em);
    waiting = orm.em.fork().transactional(second);
    await eventually(async () => {
      const [row] = await h.sql<{ n: number }>(
        `select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
          where l.locktype = 'advisory' and not l.granted and a.query like '%' || $1 || '%'`,
        [orderId],
      );
      if (row!.n === 0) throw new Error('the second handler does not wait for the lock yet');
    });
  });
  await waiting;
}

const reservations = (h: Harness, orderId: string) =>
  h.sql<{ status: string; reason: string | null }>(
    'select status, reason from reservation where order_id = $1 order by revision',
    [orderId],
  );

t.test('a cancellation committed while order.placed waited for the lock: nothing is held', async (t) => {
  const h = await setup(t, { messaging: false });
  const p = uuidv7();
  await seedStock(h, p, 5);
  const placed = orderPlaced([{ productId: p, quantity: 2 }]);
  const { orderId } = placed.data;

  await whileLocked(
    h,
    orderId,
    (em) => rememberCancelled(em, orderId, 'customer'),
    (em) => reserveStock(em, { order: placed.data, causationId: placed.id }, deps),
  );

  t.same(await reservations(h, orderId), [{ status: 'RELEASED', reason: 'order_cancelled' }]);
  t.match(await h.sql('select reserved from stock where product_id = $1', [p]), [{ reserved: 0 }]);
  t.same(
    (
      await h.sql<{ type: string }>(
        "select type from outbox where type <> 'stock.levels_changed' order by id",
      )
    ).map((r) => r.type),
    ['stock.released'],
    'the order is answered by a release, not a hold',
  );
});

t.test('a reservation committed while order.shipped waited for the lock: it is committed', async (t) => {
  const h = await setup(t, { messaging: false });
  const p = uuidv7();
  await seedStock(h, p, 5);
  const placed = orderPlaced([{ productId: p, quantity: 2 }]);
  const { orderId, userId } = placed.data;
  const shipment: OrderStatusChanged = { orderId, userId, status: 'SHIPPED', previousStatus: 'CONFIRMED' };

  await whileLocked(
    h,
    orderId,
    (em) => reserveStock(em, { order: placed.data, causationId: placed.id }, deps),
    (em) => commitStock(em, { shipment }, deps),
  );

  t.same(await reservations(h, orderId), [{ status: 'COMMITTED', reason: null }]);
  t.match(await h.sql('select on_hand, reserved from stock where product_id = $1', [p]), [
    { on_hand: 3, reserved: 0 },
  ]);
});

t.test('a lines change committed while order.shipped waited: the new hold is committed', async (t) => {
  const h = await setup(t, { messaging: false });
  const p = uuidv7();
  await seedStock(h, p, 10);
  const placed = orderPlaced([{ productId: p, quantity: 2 }]);
  const { orderId, userId } = placed.data;
  const changed = orderPlaced([{ productId: p, quantity: 3 }], {
    orderId,
    revision: 2,
    type: 'order.lines_changed',
  });
  await h.app.orm.em
    .fork()
    .transactional((em) => reserveStock(em, { order: placed.data, causationId: placed.id }, deps));
  const shipment: OrderStatusChanged = { orderId, userId, status: 'SHIPPED', previousStatus: 'CONFIRMED' };

  await whileLocked(
    h,
    orderId,
    (em) => reserveStock(em, { order: { ...changed.data, userId }, causationId: changed.id }, deps),
    (em) => commitStock(em, { shipment }, deps),
  );

  t.same(await reservations(h, orderId), [
    { status: 'RELEASED', reason: 'lines_changed' },
    { status: 'COMMITTED', reason: null },
  ]);
  t.match(await h.sql('select on_hand, reserved from stock where product_id = $1', [p]), [
    { on_hand: 7, reserved: 0 },
  ]);
});
