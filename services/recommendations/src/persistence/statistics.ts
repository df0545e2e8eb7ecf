// The co-purchase statistics, changed by one basket at a time in the consumer's transaction. Product
// rows are locked first, in id order, then pair rows are written in (product_id, other_id) order: two
// baskets sharing products wait for each other instead of deadlocking.
import type { EntityManager } from '@mercato/db';
import { pairsTouching } from '../domain/similarity.ts';
import { table } from './sql.ts';

/**
 * Ids bound as ONE parameter, a PostgreSQL array literal (`= any(?::uuid[])`): any length, and an
 * index condition the planner uses (a list spelled as a subquery over jsonb made it scan co_purchase).
 * Every id here is a UUID checked by a schema (event contract, route) or read from our own tables.
 */
export const jsonIds = (ids: readonly string[]) => `{${ids.join(',')}}`;
export const idList = 'select unnest(?::uuid[])';

/**
 * Makes sure every product has a row (statistics may come before catalog's facts), locks them in id
 * order and stamps them changed by this transaction (`changed_xid`): every replica's read cache then
 * drops what it holds about them (persistence/read-cache.ts). Whoever changes a product's statistics
 * or pairs goes through here.
 */
export async function lockProducts(em: EntityManager, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const sorted = [...new Set(ids)].sort();
  await em.execute(
    `insert into ${table(em, 'product')} (product_id)
     select v from (${idList}) as x(v) order by v on conflict (product_id) do nothing`,
    [jsonIds(sorted)],
  );
  await em.execute(
    `update ${table(em, 'product')} p set changed_xid = pg_current_xact_id()
     from (select product_id from ${table(em, 'product')}
           where product_id = any(?::uuid[]) order by product_id for update) l
     where p.product_id = l.product_id`,
    [jsonIds(sorted)],
  );
}

/** A confirmed order: every product's counts and every ordered pair's co-purchase count grow. */
export async function learnBasket(
  em: EntityManager,
  basket: readonly string[],
  weight: string,
  popularWeight: string,
): Promise<void> {
  if (basket.length === 0) return;
  // What lockProducts then an update would do, in one statement: the upsert makes a missing row, locks
  // each row in id order (the select's order) as it counts the order on it, and stamps it changed.
  await em.execute(
    `insert into ${table(em, 'product')} as p (product_id, orders, bought_weight, popular_weight, changed_xid)
     select v, 1, ?::numeric, ?::numeric, pg_current_xact_id() from (${idList}) as x(v) order by v
     on conflict (product_id) do update set orders = p.orders + 1,
       bought_weight = p.bought_weight + excluded.bought_weight,
       popular_weight = p.popular_weight + excluded.popular_weight,
       changed_xid = excluded.changed_xid`,
    [weight, popularWeight, jsonIds([...new Set(basket)].sort())],
  );
  if (basket.length < 2) return;
  await em.execute(
    `insert into ${table(em, 'co_purchase')} as c (product_id, other_id, orders, weight)
     select a, b, 1, ?::numeric from (${idList}) as x(a) cross join (${idList}) as y(b)
     where a <> b order by a, b
     on conflict (product_id, other_id) do update set orders = c.orders + 1, weight = c.weight + excluded.weight`,
    [weight, jsonIds(basket), jsonIds(basket)],
  );
}

/**
 * Takes back what `learnBasket(basket)` gave for the `removed` products (all of them: a cancelled
 * order; some: returned lines). A count that reaches 0 removes its row (or zeroes the product's
 * weights), so nothing is left over from floating-point subtraction.
 */
export async function unlearnBasket(
  em: EntityManager,
  basket: readonly string[],
  removed: readonly string[],
  weight: string,
  popularWeight: string,
): Promise<void> {
  if (removed.length === 0) return;
  await lockProducts(em, basket);
  await em.execute(
    `update ${table(em, 'product')} set orders = greatest(orders - 1, 0),
       bought_weight = case when orders <= 1 then 0 else bought_weight - ?::numeric end,
       popular_weight = case when orders <= 1 then 0 else popular_weight - ?::numeric end
     where product_id = any(?::uuid[])`,
    [weight, popularWeight, jsonIds(removed)],
  );
  const pairs = pairsTouching(basket, new Set(removed));
  if (pairs.length === 0) return;
  const touched = JSON.stringify(pairs);
  const pairRows = `select x->>0 as a, x->>1 as b from jsonb_array_elements(?::jsonb) as x`;
  await em.execute(
    `delete from ${table(em, 'co_purchase')} c using (${pairRows}) p
     where c.product_id = p.a::uuid and c.other_id = p.b::uuid and c.orders <= 1`,
    [touched],
  );
  await em.execute(
    `update ${table(em, 'co_purchase')} c set orders = c.orders - 1, weight = c.weight - ?::numeric
     from (${pairRows}) p where c.product_id = p.a::uuid and c.other_id = p.b::uuid`,
    [weight, touched],
  );
}
