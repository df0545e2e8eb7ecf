// The statements one paid order's inventory life sends to PostgreSQL (issue 14: round trips are the main
// CPU cost of an order). Drives an order as production does — order.placed and order.shipped over the
// broker, the level publisher announcing stock.levels_changed after each — and counts what pg's
// clients send, below @mercato/db's deferred `begin` (a `begin` queued on its own is counted, one folded
// into `begin;<statement>` is not). Prints the count per step; fails when a round trip comes back.
//
// A normal paid order meets inventory only there: order.lines_changed, order.cancelled, payment.failed
// and returns are not on its way (consumers/index.ts).

import type { StockLevelsChanged } from '@mercato/contracts';
import type { Envelope } from '@mercato/messaging';
import { envelope } from '@mercato/messaging';
import { connectedToSchema, eventually, recordStatements } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { bus, orderPlaced, seedStock, setup } from './helpers.ts';

// Patched before the app's pools exist. The service's ORM connects with its schema on the search_path
// (its advisory locks and the level publisher's statements go over it too); the outbox relay
// (libs/messaging) has a pool of its own; the rest is this test looking. Each of the service's
// connections is numbered, so a step's statements can be told apart by the transaction they run in.
let serviceSchema = '';
const connections = new WeakMap<object, number>();
let connected = 0;
const statements = recordStatements(
  (fn) => t.teardown(fn),
  (params): string => {
    if (connectedToSchema(params, serviceSchema)) {
      if (!connections.has(params)) connections.set(params, ++connected);
      return `service#${connections.get(params)}`;
    }
    return params.application_name === 'outbox-relay' ? 'relay' : 'other';
  },
  (by) => by !== 'other',
);
type Sent = (typeof statements.sent)[number];

const isService = (x: Sent) => x.by.startsWith('service');
// The level publisher's work (workers/level-publisher.ts) reads and records product_level_published.
const announces = (sql: string) => sql.includes('product_level_published');

/**
 * The level publisher runs on its own timer, so its announcement lands in the window of the step that
 * changed the stock: split out by transaction (a connection's statements from `begin` to `commit`, or
 * one statement in autocommit) that reads or records the announced levels.
 */
function splitAnnouncement(sent: Sent[]): { step: Sent[]; announcement: Sent[] } {
  const step: Sent[] = [];
  const announcement: Sent[] = [];
  const open = new Map<string, Sent[]>();
  const close = (unit: Sent[]) => (unit.some((x) => announces(x.sql)) ? announcement : step).push(...unit);
  for (const x of sent) {
    if (!isService(x)) {
      step.push(x);
      continue;
    }
    const unit = open.get(x.by);
    if (unit) {
      unit.push(x);
      if (/^(commit|rollback)\b/i.test(x.sql)) {
        open.delete(x.by);
        close(unit);
      }
    } else if (/^begin\b/i.test(x.sql)) open.set(x.by, [x]);
    else close([x]);
  }
  for (const unit of open.values()) close(unit);
  return { step, announcement };
}

/**
 * Upper bound of the statements inventory's own code sends per two-line order (the relay's are
 * libs/messaging's and counted apart): 22 before issue 14's cut here, 13 after.
 *
 *   step                     before  after
 *   order.placed                7      4   inbox claim (with `begin`), the order's lock and the read
 *                                          in one statement, the write (no savepoint around it any
 *                                          more), `commit`
 *   stock.levels_changed        3      3   read and record due levels (with `begin`), outbox, `commit`
 *   order.shipped               9      3   inbox claim, ONE statement for lock, hold, levels, stock
 *                                          and status (was lock, state, stock, savepoint, write,
 *                                          release, status), `commit`
 *   stock.levels_changed        3      3
 */
const MAX_PER_ORDER = 13;
/**
 * The relay's statements for the order's events (stock.reserved and two stock.levels_changed, woken by
 * the commits): a claim and a mark per drain, 6 here before and after. An announcement written by a
 * lone statement outside a transaction (one `commit` fewer) cost it 2–5 more looks: 8–11.
 */
const MAX_RELAY = 8;

t.test('statements per paid order, step by step', async (t) => {
  const h = await setup(t);
  serviceSchema = h.schema;
  const b = await bus(t, h.exchange);
  const [p1, p2] = [uuidv7(), uuidv7()];
  const { storeId } = await seedStock(h, p1, 10, { lowStockThreshold: 1 });
  await seedStock(h, p2, 5, { storeId, lowStockThreshold: 1 });
  const placed = orderPlaced([
    { productId: p1, quantity: 2 },
    { productId: p2, quantity: 1 },
  ]);
  const { orderId, userId } = placed.data;
  const levelsOf = (productId: string) =>
    b.received
      .filter((e) => e.type === 'stock.levels_changed')
      .flatMap((e) => (e as Envelope<StockLevelsChanged>).data.levels)
      .filter((l) => l.productId === productId);
  /** Waits for a level of the product announced after the `seen` first ones: `available` units. */
  const announced = (productId: string, seen: number, available: number) =>
    eventually(async () => {
      const levels = levelsOf(productId).slice(seen);
      if (!levels.some((l) => l.available === available))
        throw new Error(`no new level ${available} of ${productId} yet: ${JSON.stringify(levels)}`);
    });
  // The seeding's own announcements are out of the way first.
  await announced(p1, 0, 10);
  await announced(p2, 0, 5);

  await statements.quiet(400);
  const steps: { step: string; statements: Sent[] }[] = [];
  const step = async (name: string, run: () => Promise<void>) => {
    statements.start();
    await run();
    await statements.quiet(400);
    const { step: own, announcement } = splitAnnouncement(statements.stop().filter((x) => x.by !== 'other'));
    steps.push({ step: name, statements: own }, { step: '  stock.levels_changed', statements: announcement });
  };

  await step('order.placed', async () => {
    const seen = [levelsOf(p1).length, levelsOf(p2).length] as const;
    await b.publish([placed]);
    await eventually(async () => {
      if (b.of('stock.reserved', orderId).length === 0) throw new Error('not reserved yet');
    });
    await announced(p1, seen[0], 8);
    await announced(p2, seen[1], 4);
  });
  await step('order.shipped', async () => {
    const shipped = envelope(
      'order.shipped',
      { orderId, userId, status: 'SHIPPED', previousStatus: 'CONFIRMED' },
      { source: 'orders', correlationId: orderId },
    );
    const seen = [levelsOf(p1).length, levelsOf(p2).length] as const;
    await b.publish([shipped]);
    await eventually(async () => {
      const [r] = await h.sql<{ status: string }>('select status from reservation where order_id = $1', [
        orderId,
      ]);
      if (r?.status !== 'COMMITTED') throw new Error('not committed yet');
    });
    // On hand and reserved both drop: as many available as before, at a newer version.
    await announced(p1, seen[0], 8);
    await announced(p2, seen[1], 4);
  });

  const own = (x: Sent[]) => x.filter(isService).length;
  const relay = (x: Sent[]) => x.filter((y) => y.by === 'relay').length;
  const total = steps.reduce((n, x) => n + own(x.statements), 0);
  const relayed = steps.reduce((n, x) => n + relay(x.statements), 0);
  const lines = steps.map(
    (x) =>
      `  ${x.step.padEnd(26)} ${String(own(x.statements)).padStart(3)} (relay ${relay(x.statements)})` +
      (process.env.SHOW_STATEMENTS
        ? `\n${x.statements.map((y) => `      ${y.by === 'relay' ? '[relay] ' : `[${y.by}] `}${y.sql.slice(0, 160)}`).join('\n')}`
        : ''),
  );
  t.comment(
    `statements per two-line order: inventory ${total}, its outbox relay ${relayed}\n${lines.join('\n')}`,
  );

  // What the order did: the effects these statements are for.
  t.equal(b.of('stock.reserved', orderId).length, 1, 'stock.reserved once');
  t.same(
    await h.sql('select product_id, on_hand, reserved from stock order by on_hand desc'),
    [
      { product_id: p1, on_hand: 8, reserved: 0 },
      { product_id: p2, on_hand: 4, reserved: 0 },
    ],
    'the hold became a deduction',
  );
  t.same(
    await h.sql('select revision, status from reservation where order_id = $1', [orderId]),
    [{ revision: 1, status: 'COMMITTED' }],
    'one reservation, committed',
  );
  t.ok(
    steps.every((x) => !x.step.includes('levels') || own(x.statements) > 0),
    'each stock change was announced in its step',
  );

  t.ok(
    total <= MAX_PER_ORDER,
    `inventory sends at most ${MAX_PER_ORDER} statements per order (sent ${total})`,
  );
  t.ok(relayed <= MAX_RELAY, `its relay at most ${MAX_RELAY} (sent ${relayed})`);
});
