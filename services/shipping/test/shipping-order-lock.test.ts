// The order's shipping row is locked by both halves of an order (stock.reserved and order.confirmed),
// whichever comes first creating it. Two first events at the same time: one creates the row, the
// other waits for that commit and then gets the row, locked, with the first one's writes.
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { lockShippingOrder } from '../src/persistence/allocations.ts';
import { setup } from './helpers.ts';

t.test('two first events of one order at once: one creates the row, the other gets it', async (t) => {
  const { app, query, schema } = await setup(t);
  const orderId = uuidv7();
  const userId = uuidv7();

  let releaseFirst!: () => void;
  const firstHolds = new Promise<void>((r) => {
    releaseFirst = r;
  });
  let firstLocked!: () => void;
  const firstHasRow = new Promise<void>((r) => {
    firstLocked = r;
  });

  const first = app.orm.em.fork().transactional(async (em) => {
    const row = await lockShippingOrder(em, orderId, userId);
    await em.execute(`update "${schema}".shipping_order set allocation_revision = 7 where order_id = ?`, [
      orderId,
    ]);
    firstLocked();
    await firstHolds; // the row exists, uncommitted, while the second event looks for it
    return row;
  });
  await firstHasRow;

  let secondDone = false;
  const second = app.orm.em.fork().transactional(async (em) => {
    const row = await lockShippingOrder(em, orderId, userId);
    secondDone = true;
    return row;
  });
  // The second waits on the first's uncommitted insert (its lock), whatever the timing.
  await new Promise((r) => setTimeout(r, 200));
  t.equal(secondDone, false, 'the second waits while the first holds the new row');
  releaseFirst();

  const [a, b] = await Promise.all([first, second]);
  t.equal(a.orderId, orderId);
  t.equal(b.orderId, orderId, 'the second got the row the first created');
  t.equal(b.allocationRevision, 7, 'with what the first committed');
  const rows = await query('select order_id from shipping_order where order_id = $1', [orderId]);
  t.equal(rows.length, 1, 'one row');
});

t.test('the row of an order seen before is found and locked; the user stays the first one', async (t) => {
  const { app, query } = await setup(t);
  const orderId = uuidv7();
  const userId = uuidv7();
  await app.orm.em.fork().transactional((em) => lockShippingOrder(em, orderId, userId));
  const again = await app.orm.em.fork().transactional((em) => lockShippingOrder(em, orderId, uuidv7()));
  t.equal(again.userId, userId);
  const rows = await query('select count(*)::int as n from shipping_order where order_id = $1', [orderId]);
  t.equal(rows[0].n, 1);
});
