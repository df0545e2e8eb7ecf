// The local read model of catalog products that quotes are priced and weighed by, so a quote never
// waits on catalog. Events arrive late or twice: a snapshot not newer than the one held changes
// nothing, and a deletion leaves a tombstone (treated as gone) that an older update cannot revive.
import type { ProductDeleted, ProductSnapshot } from '@mercato/contracts';
import { normalizeAmount } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import type { KnownProduct } from '../domain/rates.ts';
import { ratesTable } from './rates-sql.ts';

export async function recordProduct(em: EntityManager, data: ProductSnapshot): Promise<void> {
  await em.execute(
    `insert into ${ratesTable(em, 'product')} as p
       (product_id, name, amount, currency, active, deleted, weight_grams, version, updated_at)
     values (?, ?, ?, ?, ?, false, ?, ?, now())
     on conflict (product_id) do update set name = excluded.name, amount = excluded.amount,
       currency = excluded.currency, active = excluded.active, deleted = false,
       weight_grams = excluded.weight_grams, version = excluded.version, updated_at = now()
     where p.version < excluded.version`,
    [
      data.productId,
      data.name,
      normalizeAmount(data.price.amount),
      data.price.currency,
      data.active,
      data.weightGrams ?? null,
      data.version,
    ],
  );
}

export async function recordProductDeleted(em: EntityManager, data: ProductDeleted): Promise<void> {
  await em.execute(
    `insert into ${ratesTable(em, 'product')} as p
       (product_id, name, amount, currency, active, deleted, weight_grams, version, updated_at)
     values (?, '', 0, 'XXX', false, true, null, ?, now())
     on conflict (product_id) do update set active = false, deleted = true,
       version = excluded.version, updated_at = now()
     where p.version <= excluded.version`,
    [data.productId, data.version],
  );
}

interface ProductRow {
  product_id: string;
  amount: string;
  currency: string;
  active: boolean;
  weight_grams: string | number | null;
}

/**
 * The known products among `productIds` (deleted ones are unknown: gone). weightGrams is absent for a
 * product without the attribute; the shipments part weighs parcels by the same model.
 */
export async function productsOf(
  em: EntityManager,
  productIds: readonly string[],
): Promise<Map<string, KnownProduct>> {
  if (productIds.length === 0) return new Map();
  const rows = await em.execute<ProductRow[]>(
    `select product_id, amount::text, currency, active, weight_grams
     from ${ratesTable(em, 'product')} where product_id in (?) and not deleted`,
    [productIds],
  );
  return new Map(
    rows.map((r) => [
      r.product_id,
      {
        productId: r.product_id,
        amount: r.amount,
        currency: r.currency.trim(),
        active: r.active,
        ...(r.weight_grams === null ? {} : { weightGrams: Number(r.weight_grams) }),
      },
    ]),
  );
}
