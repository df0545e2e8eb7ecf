// The local read models the cart prices and flags its lines from, so a cart answers while catalog or
// inventory is slow or down. Events arrive late or twice: a snapshot or level not newer than the one
// held changes nothing, and a deleted product stays as a tombstone an older update cannot revive.
import type { ProductDeleted, ProductSnapshot, ProductStockLevel } from '@mercato/contracts';
import { normalizeAmount, toUnits } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import type { Availability, KnownProduct, KnownStock } from '../domain/cart.ts';
import { table } from './sql.ts';

interface ProductRow {
  product_id: string;
  name: string;
  amount: string;
  currency: string;
  active: boolean;
  deleted: boolean;
  version: number;
}

const toProduct = (r: ProductRow): KnownProduct => ({
  productId: r.product_id,
  name: r.name,
  amount: r.amount,
  currency: r.currency.trim(),
  active: r.active,
  deleted: r.deleted,
});

/** What a cart line is priced and flagged by changed: its price, currency, active or deleted state. */
function mattersToCarts(
  before: ProductRow | undefined,
  after: Omit<ProductRow, 'product_id' | 'name' | 'version'>,
) {
  if (!before) return true;
  return (
    before.currency.trim() !== after.currency ||
    toUnits(before.amount) !== toUnits(after.amount) ||
    before.active !== after.active ||
    before.deleted !== after.deleted
  );
}

async function lockedProduct(em: EntityManager, productId: string): Promise<ProductRow | undefined> {
  const [row] = await em.execute<ProductRow[]>(
    `select product_id, name, amount::text, currency, active, deleted, version
     from ${table(em, 'product')} where product_id = ? for update`,
    [productId],
  );
  return row;
}

/**
 * Every cart holding the product gets a new version: a cartVersion a client confirmed before the
 * change no longer matches at checkout. Stock levels do not do this (they change all the time and
 * are checked on every checkout anyway).
 */
async function bumpCartsHolding(em: EntityManager, productId: string): Promise<void> {
  await em.execute(
    `update ${table(em, 'cart')} set version = version + 1
     where id in (select cart_id from ${table(em, 'cart_line')} where product_id = ?)`,
    [productId],
  );
}

/** Keeps the snapshot when it is newer than the one held; returns whether it was kept. */
export async function recordProduct(em: EntityManager, data: ProductSnapshot): Promise<boolean> {
  const before = await lockedProduct(em, data.productId);
  if (before && before.version >= data.version) return false;
  const amount = normalizeAmount(data.price.amount);
  await em.execute(
    `insert into ${table(em, 'product')} as p (product_id, name, amount, currency, active, deleted, version, updated_at)
     values (?, ?, ?, ?, ?, false, ?, now())
     on conflict (product_id) do update set name = excluded.name, amount = excluded.amount,
       currency = excluded.currency, active = excluded.active, deleted = false,
       version = excluded.version, updated_at = now()
     where p.version < excluded.version`,
    [data.productId, data.name, amount, data.price.currency, data.active, data.version],
  );
  if (mattersToCarts(before, { amount, currency: data.price.currency, active: data.active, deleted: false }))
    await bumpCartsHolding(em, data.productId);
  return true;
}

/** A deletion: a tombstone (the name and last price stay for the lines that still show it). */
export async function recordProductDeleted(em: EntityManager, data: ProductDeleted): Promise<void> {
  const before = await lockedProduct(em, data.productId);
  if (before && before.version > data.version) return;
  await em.execute(
    `insert into ${table(em, 'product')} as p (product_id, name, amount, currency, active, deleted, version, updated_at)
     values (?, '', 0, 'XXX', false, true, ?, now())
     on conflict (product_id) do update set active = false, deleted = true,
       version = excluded.version, updated_at = now()
     where p.version <= excluded.version`,
    [data.productId, data.version],
  );
  if (!before?.deleted) await bumpCartsHolding(em, data.productId);
}

export async function productsOf(
  em: EntityManager,
  productIds: readonly string[],
): Promise<Map<string, KnownProduct>> {
  if (productIds.length === 0) return new Map();
  const rows = await em.execute<ProductRow[]>(
    `select product_id, name, amount::text, currency, active, deleted, version
     from ${table(em, 'product')} where product_id in (?)`,
    [productIds],
  );
  return new Map(rows.map((r) => [r.product_id, toProduct(r)]));
}

/** Keeps each level whose version is newer than the one held (one statement for the whole event). */
export async function recordStockLevels(
  em: EntityManager,
  levels: readonly ProductStockLevel[],
): Promise<void> {
  // The newest per product within the event too: ON CONFLICT cannot touch one row twice.
  const newest = new Map<string, ProductStockLevel>();
  for (const l of levels) {
    const held = newest.get(l.productId);
    if (!held || held.version < l.version) newest.set(l.productId, l);
  }
  const rows = [...newest.values()];
  await em.execute(
    `insert into ${table(em, 'stock_level')} as s (product_id, available, availability, version, updated_at)
     select x.product_id, x.available, x.availability, x.version, now()
     from jsonb_to_recordset(?::jsonb) as x(product_id uuid, available integer, availability text, version bigint)
     on conflict (product_id) do update set available = excluded.available,
       availability = excluded.availability, version = excluded.version, updated_at = now()
     where s.version < excluded.version`,
    [
      JSON.stringify(
        rows.map((l) => ({
          product_id: l.productId,
          available: l.available,
          availability: l.availability,
          version: l.version,
        })),
      ),
    ],
  );
}

export async function stockOf(
  em: EntityManager,
  productIds: readonly string[],
): Promise<Map<string, KnownStock>> {
  if (productIds.length === 0) return new Map();
  const rows = await em.execute<{ product_id: string; available: number; availability: Availability }[]>(
    `select product_id, available, availability from ${table(em, 'stock_level')} where product_id in (?)`,
    [productIds],
  );
  return new Map(rows.map((r) => [r.product_id, { available: r.available, availability: r.availability }]));
}
