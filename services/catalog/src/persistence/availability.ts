// The availability read model (table product_availability): written by the stock-levels consumer,
// read after the product cache by every product read. Plain SQL: one upsert per event, one
// primary-key lookup per read.
import type { Availability, ProductStockLevel } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';

export interface StoredAvailability {
  available: number;
  availability: Availability;
}

/**
 * Keeps each level only if its version is higher than the one stored: a late or repeated event
 * changes nothing. Returns how many products changed.
 */
export async function upsertLevels(em: EntityManager, levels: readonly ProductStockLevel[]): Promise<number> {
  // One row per product (the newest), or the upsert would touch a row twice.
  const newest = new Map<string, ProductStockLevel>();
  for (const l of levels) {
    const seen = newest.get(l.productId);
    if (!seen || seen.version < l.version) newest.set(l.productId, l);
  }
  if (newest.size === 0) return 0;
  const rows = await em.execute<{ product_id: string }[]>(
    `insert into product_availability (product_id, available, availability, version, updated_at)
       select l."productId", l.available, l.availability, l.version, now()
         from jsonb_to_recordset(?::jsonb) as l("productId" uuid, available integer, availability text, version bigint)
     on conflict (product_id) do update
       set available = excluded.available, availability = excluded.availability,
           version = excluded.version, updated_at = excluded.updated_at
       where product_availability.version < excluded.version
     returning product_id`,
    [JSON.stringify([...newest.values()])],
  );
  return rows.length;
}

/** The stored availability of each product that has one. */
export async function availabilityOf(
  em: EntityManager,
  productIds: readonly string[],
): Promise<Map<string, StoredAvailability>> {
  if (productIds.length === 0) return new Map();
  const rows = await em.execute<{ product_id: string; available: number; availability: Availability }[]>(
    'select product_id, available, availability from product_availability where product_id = any(?::uuid[])',
    [`{${productIds.join(',')}}`],
  );
  return new Map(rows.map((r) => [r.product_id, { available: r.available, availability: r.availability }]));
}
