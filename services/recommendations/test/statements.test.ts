// The statements one order sends to recommendations' PostgreSQL (issue 14: round trips are the main
// CPU cost of an order). Drives what an order brings the service — order.confirmed (the basket
// learnt) and the stock.levels_changed its reservation causes — over the broker, and counts what pg's
// clients send on the service's connection (a `begin` folded into `begin;<statement>` is not counted
// apart). Prints the count per event; fails when a round trip comes back.
import { connectedToSchema, recordStatements } from '@mercato/testing';
import t from 'tap';
import { setup } from './helpers.ts';

// Patched before the app's pools exist. The service's ORM connects with its schema on the search_path.
let serviceSchema = '';
const statements = recordStatements(
  (fn) => t.teardown(fn),
  (params) => (connectedToSchema(params, serviceSchema) ? 'service' : 'other'),
  (by) => by === 'service',
);

// The test's own look at the inbox (deliver) goes through the service's pool too.
const byThisTest = (sql: string) =>
  /^select count\(\*\)::int as n from \S+\.inbox where message_id in/.test(sql);

/**
 * Upper bounds per event, each with the read cache's look at the change feed that the commit starts
 * (persistence/read-cache.ts; under load one look serves a batch). order.confirmed of a three-product
 * basket: 9 before issue 14's cut (the inbox claim with its `begin`, the purchase, its items, the
 * products made, locked and stamped, their counts, the pairs, `commit`, the look); 6 after (the
 * purchase with its items in one statement; the products made, locked, stamped and counted by one
 * upsert). stock.levels_changed: 4 (claim, levels, commit, look).
 */
const MAX: Record<string, number> = { 'order.confirmed': 6, 'stock.levels_changed': 4 };

t.test('statements per order: the basket learnt, the stock levels kept', async (t) => {
  const s = await setup(t);
  serviceSchema = s.schema;
  const basket = await s.products(3);
  // A product with statistics already and two new to the service: both kinds of product row.
  await s.orders([[basket[0]!]]);
  await statements.quiet();

  const confirmed = s.confirmedEvent(basket);
  const levels = s.stockEvent(basket.map((productId) => ({ productId, available: 7, version: 2 })));
  const counts: [string, string[]][] = [];
  for (const e of [confirmed, levels]) {
    statements.start();
    await s.deliver([e]);
    await statements.quiet();
    counts.push([
      e.type,
      statements
        .stop()
        .filter((x) => x.by === 'service' && !byThisTest(x.sql))
        .map((x) => x.sql),
    ]);
  }

  // What the order did: learnt once, with every pair.
  const [purchase] = await s.sql(
    `select count(*)::int as items from "${s.schema}".purchase_item where order_id = ?`,
    [confirmed.data.orderId],
  );
  t.equal(purchase.items, 3, 'the purchase and its three items');
  const products = await s.sql(
    `select product_id, orders from "${s.schema}".product where product_id in (?) order by product_id`,
    [basket],
  );
  t.same(
    products.map((p: any) => [p.product_id, p.orders]),
    [...basket].sort().map((id) => [id, id === basket[0] ? 2 : 1]),
    "each product's order count",
  );
  const [pairs] = await s.sql(`select count(*)::int as n from "${s.schema}".co_purchase`);
  t.equal(pairs.n, 6, 'every ordered pair of the basket');
  t.ok((await s.forProduct(basket[1]!)).length > 0, 'the basket is recommended');

  for (const [type, sqls] of counts) {
    const show = process.env.SHOW_STATEMENTS
      ? `\n${sqls.map((q) => `      ${q.slice(0, 160)}`).join('\n')}`
      : '';
    t.comment(`${type}: ${sqls.length}${show}`);
    t.ok(sqls.length <= MAX[type]!, `${type}: at most ${MAX[type]} statements (sent ${sqls.length})`);
  }
});
