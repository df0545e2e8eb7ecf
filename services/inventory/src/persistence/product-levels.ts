// The admin side of `product_level` (see the migration): a change made through the ORM first bumps
// the levels of the products it touches, which also locks them until the commit. The reservation
// path (stock-ledger.ts) checks the same version optimistically, so it reads again rather than
// write next to an admin change; and the rows read after the bump are current, so the level the
// event reports is too.
import type { EntityManager } from '@mercato/db';

const pgArray = (values: readonly string[]): string => `{${values.join(',')}}`;

type VersionRow = { product_id: string; version: string | number };

const toMap = (rows: VersionRow[]) => new Map(rows.map((r) => [r.product_id, Number(r.version)]));

/** Bumps (or starts at 1) the level of each product; returns the new versions. */
export async function bumpLevels(
  em: EntityManager,
  productIds: readonly string[],
): Promise<Map<string, number>> {
  if (productIds.length === 0) return new Map();
  // In product order, so two admin changes of the same products lock them alike.
  const rows = await em.execute<VersionRow[]>(
    `insert into product_level (product_id, version)
       select id, 1 from unnest(?::uuid[]) as id order by id
     on conflict (product_id) do update set version = product_level.version + 1
     returning product_id, version`,
    [pgArray([...new Set(productIds)].sort())],
  );
  return toMap(rows);
}

/** bumpLevels for the product of one stock row (none when there is no such row). */
export async function bumpLevelOfStock(em: EntityManager, stockId: string): Promise<Map<string, number>> {
  const rows = await em.execute<VersionRow[]>(
    `insert into product_level (product_id, version)
       select product_id, 1 from stock where id = ?
     on conflict (product_id) do update set version = product_level.version + 1
     returning product_id, version`,
    [stockId],
  );
  return toMap(rows);
}
