// Catalog's facts and inventory's verdict per product, as every answer filters by (`recommendable`:
// known, active, not deleted, not out of stock). Events arrive late or twice: a snapshot or level not
// newer than the one held changes nothing; a deleted product stays as a tombstone. Every change stamps
// `changed_xid`, which the read caches follow (persistence/read-cache.ts).
import type { ProductDeleted, ProductSnapshot, ProductStockLevel } from '@mercato/contracts';
import { normalizeAmount } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { table } from './sql.ts';

/** Keeps the snapshot when it is newer than the one held (a statistics-only row is not "held"). */
export async function recordProduct(em: EntityManager, data: ProductSnapshot): Promise<void> {
  await em.execute(
    `insert into ${table(em, 'product')} as p (product_id, known, name, category, amount, currency, active, deleted, version)
     values (?, true, ?, ?, ?, ?, ?, false, ?)
     on conflict (product_id) do update set known = true, name = excluded.name, category = excluded.category,
       amount = excluded.amount, currency = excluded.currency, active = excluded.active, deleted = false,
       version = excluded.version, changed_xid = pg_current_xact_id()
     where not p.known or p.version < excluded.version`,
    [
      data.productId,
      data.name,
      data.category ?? null,
      normalizeAmount(data.price.amount),
      data.price.currency,
      data.active,
      data.version,
    ],
  );
}

/** A deletion: never recommended again, whatever older snapshot arrives later. */
export async function recordProductDeleted(em: EntityManager, data: ProductDeleted): Promise<void> {
  await em.execute(
    `insert into ${table(em, 'product')} as p (product_id, known, active, deleted, version)
     values (?, true, false, true, ?)
     on conflict (product_id) do update set known = true, active = false, deleted = true, version = excluded.version,
       changed_xid = pg_current_xact_id()
     where not p.known or p.version <= excluded.version`,
    [data.productId, data.version],
  );
}

/** Keeps each level whose version is newer than the one held (one statement for the whole event). */
export async function recordStockLevels(
  em: EntityManager,
  levels: readonly ProductStockLevel[],
): Promise<void> {
  const newest = new Map<string, ProductStockLevel>();
  for (const l of levels) {
    const held = newest.get(l.productId);
    if (!held || held.version < l.version) newest.set(l.productId, l);
  }
  const rows = [...newest.values()]
    .sort((a, b) => (a.productId < b.productId ? -1 : 1))
    .map((l) => ({
      product_id: l.productId,
      out_of_stock: l.availability === 'out_of_stock' || l.available === 0,
      version: l.version,
    }));
  await em.execute(
    `insert into ${table(em, 'product')} as p (product_id, out_of_stock, stock_version)
     select x.product_id, x.out_of_stock, x.version
     from jsonb_to_recordset(?::jsonb) as x(product_id uuid, out_of_stock boolean, version bigint)
     on conflict (product_id) do update set out_of_stock = excluded.out_of_stock, stock_version = excluded.stock_version,
       -- only a changed verdict concerns the answers (a level that moves within "in stock" does not)
       changed_xid = case when p.out_of_stock = excluded.out_of_stock then p.changed_xid else pg_current_xact_id() end
     where p.stock_version < excluded.stock_version`,
    [JSON.stringify(rows)],
  );
}
