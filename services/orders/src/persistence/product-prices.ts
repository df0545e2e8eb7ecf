// The local read model of catalog prices, so placing an order never waits on catalog. Events can
// arrive late or twice: a snapshot older than (or as old as) the one held changes nothing, and a
// deletion leaves a tombstone that an older update cannot overwrite.
import type { ProductDeleted, ProductSnapshot } from '@mercato/contracts';
import { normalizeAmount } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import type { KnownPrice } from '../domain/pricing.ts';
import { schemaOf } from './sql.ts';

const table = (em: EntityManager) => `${schemaOf(em)}.product_price`;

export async function upsertProductPrice(em: EntityManager, data: ProductSnapshot): Promise<void> {
  await em.execute(
    `insert into ${table(em)} as p (product_id, name, amount, currency, active, deleted, version, updated_at)
     values (?, ?, ?, ?, ?, false, ?, now())
     on conflict (product_id) do update set name = excluded.name, amount = excluded.amount,
       currency = excluded.currency, active = excluded.active, deleted = false,
       version = excluded.version, updated_at = now()
     where p.version < excluded.version`,
    [
      data.productId,
      data.name,
      normalizeAmount(data.price.amount),
      data.price.currency,
      data.active,
      data.version,
    ],
  );
}

export async function tombstoneProduct(em: EntityManager, data: ProductDeleted): Promise<void> {
  await em.execute(
    `insert into ${table(em)} as p (product_id, name, amount, currency, active, deleted, version, updated_at)
     values (?, '', 0, 'XXX', false, true, ?, now())
     on conflict (product_id) do update set active = false, deleted = true,
       version = excluded.version, updated_at = now()
     where p.version <= excluded.version`,
    [data.productId, data.version],
  );
}

/** product_price's columns as pricesOf and placementReads select them. */
export interface PriceRow {
  product_id: string;
  name: string;
  amount: string;
  currency: string;
  active: boolean;
}

export const productPriceTable = table;

export function knownPrices(rows: readonly PriceRow[]): Map<string, KnownPrice> {
  return new Map(
    rows.map((r) => [
      r.product_id,
      {
        productId: r.product_id,
        name: r.name,
        amount: r.amount,
        currency: r.currency.trim(),
        active: r.active,
      },
    ]),
  );
}

/**
 * The known prices of these products (deleted ones are unknown). Plain SQL: on the hot path the ORM's
 * query building and entity hydration cost more CPU than the query itself, for rows only read.
 */
export async function pricesOf(em: EntityManager, productIds: string[]): Promise<Map<string, KnownPrice>> {
  const rows: PriceRow[] = await em.execute(
    `select product_id, name, amount, currency, active from ${table(em)}
     where product_id in (?) and not deleted`,
    [productIds],
  );
  return knownPrices(rows);
}
