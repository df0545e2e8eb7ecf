// Views and add-to-cart events of signed-in customers: their latest products (recent_view) and the
// pairs viewed within one session window (co_view). One transaction per batch.
import type { EntityManager } from '@mercato/db';
import { table } from './sql.ts';
import { idList, jsonIds, lockProducts } from './statistics.ts';

/** Of these products, the ones catalog has announced (views of anything else are ignored). */
export async function knownProducts(em: EntityManager, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await em.execute<{ product_id: string }[]>(
    `select product_id from ${table(em, 'product')} where known and product_id = any(?::uuid[])`,
    [jsonIds(ids)],
  );
  return new Set(rows.map((r) => r.product_id));
}

/** Batches of one customer one after the other (their session is read, then written). */
export async function lockCustomerViews(em: EntityManager, userId: string): Promise<void> {
  await em.execute(`select pg_advisory_xact_lock(hashtextextended(?, 0))`, [
    `recommendations.views:${userId}`,
  ]);
}

export async function recentViews(
  em: EntityManager,
  userId: string,
  limit: number,
): Promise<{ productId: string; at: Date }[]> {
  const rows = await em.execute<{ product_id: string; at: Date }[]>(
    `select product_id, at from ${table(em, 'recent_view')} where user_id = ? order by at desc, product_id limit ?`,
    [userId, limit],
  );
  return rows.map((r) => ({ productId: r.product_id, at: new Date(r.at) }));
}

export async function saveViews(
  em: EntityManager,
  change: {
    userId: string;
    at: Date;
    weight: string;
    /** every product of the batch: its recent_view time becomes `at` */
    viewed: readonly string[];
    /** products new in the session: their view count grows */
    newInSession: readonly string[];
    /** ordered pairs and how many times each was formed */
    pairs: ReadonlyMap<string, number>;
    keep: number;
  },
): Promise<void> {
  // Every product whose view count or viewed-together pairs change is locked and stamped changed (the
  // read caches drop its lists); a product already in the session gains pairs with the new ones.
  const paired = [...change.pairs.keys()].map((key) => key.split('|')[0] as string);
  await lockProducts(em, [...change.newInSession, ...paired]);
  if (change.newInSession.length > 0) {
    await em.execute(
      `update ${table(em, 'product')} set viewed_weight = viewed_weight + ?::numeric where product_id = any(?::uuid[])`,
      [change.weight, jsonIds(change.newInSession)],
    );
  }
  if (change.pairs.size > 0) {
    const rows = [...change.pairs]
      .map(([key, n]) => {
        const [a, b] = key.split('|');
        return { a, b, n };
      })
      .sort((x, y) =>
        x.a === y.a ? ((x.b ?? '') < (y.b ?? '') ? -1 : 1) : (x.a ?? '') < (y.a ?? '') ? -1 : 1,
      );
    await em.execute(
      `insert into ${table(em, 'co_view')} as c (product_id, other_id, sessions, weight)
       select x.a, x.b, x.n, x.n * ?::numeric from jsonb_to_recordset(?::jsonb) as x(a uuid, b uuid, n integer)
       order by x.a, x.b
       on conflict (product_id, other_id) do update set sessions = c.sessions + excluded.sessions,
         weight = c.weight + excluded.weight`,
      [change.weight, JSON.stringify(rows)],
    );
  }
  await em.execute(
    `insert into ${table(em, 'recent_view')} as r (user_id, product_id, at)
     select ?, v, ? from (${idList}) as x(v) order by v
     on conflict (user_id, product_id) do update set at = excluded.at`,
    [change.userId, change.at, jsonIds([...new Set(change.viewed)])],
  );
  await em.execute(
    `delete from ${table(em, 'recent_view')} where user_id = ? and product_id not in
       (select product_id from ${table(em, 'recent_view')} where user_id = ? order by at desc, product_id limit ?)`,
    [change.userId, change.userId, change.keep],
  );
}
