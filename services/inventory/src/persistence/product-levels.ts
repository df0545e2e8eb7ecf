// The admin side of `product_level` (see the migration): a change made through the ORM first bumps
// the levels of the products it touches, which also locks them until the commit. The reservation
// path (stock-ledger.ts) checks the same version optimistically, so it reads again rather than
// write next to an admin change; and the rows read after the bump are current, so the level the
// event reports is too.
import type { EntityManager } from '@mercato/db';
import type { StockLevel } from '../domain/allocation.ts';

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

interface DueRow {
  due_product: string;
  level_version: string | number;
  id: string | null;
  product_id: string | null;
  store_id: string | null;
  on_hand: number | null;
  reserved: number | null;
  version: number | null;
  low_stock_threshold: number | null;
}

export interface DueLevels {
  /** the products whose level is to be announced, with the version it is at */
  versions: Map<string, number>;
  /** every store's row of those products, as of the same snapshot */
  rows: StockLevel[];
}

/**
 * In ONE statement (one snapshot, so each level matches its version: every stock change bumps the
 * version in its own transaction): the products whose level version is above the one last
 * announced (among `productIds`, or any), at most `limit`, with their stock rows; and records them
 * as announced at that version. The caller writes the event in the same transaction.
 */
export async function takeDueLevels(
  em: EntityManager,
  productIds: readonly string[] | undefined,
  limit: number,
): Promise<DueLevels> {
  const rows = await em.execute<DueRow[]>(
    `with due as (
       select l.product_id, l.version from product_level l
         left join product_level_published p on p.product_id = l.product_id
        where l.version > coalesce(p.version, 0)${productIds ? ' and l.product_id = any(?::uuid[])' : ''}
        order by l.product_id limit ?),
     announced as (
       insert into product_level_published (product_id, version) select product_id, version from due
       on conflict (product_id) do update set version = greatest(product_level_published.version, excluded.version))
     select d.product_id as due_product, d.version as level_version, s.id, s.product_id, s.store_id,
            s.on_hand, s.reserved, s.version, s.low_stock_threshold
       from due d left join stock s on s.product_id = d.product_id`,
    productIds ? [pgArray([...productIds]), limit] : [limit],
  );
  const versions = new Map<string, number>();
  const levels: StockLevel[] = [];
  for (const r of rows) {
    versions.set(r.due_product, Number(r.level_version));
    if (r.id === null) continue;
    levels.push({
      id: r.id,
      productId: r.product_id!,
      storeId: r.store_id!,
      onHand: r.on_hand!,
      reserved: r.reserved!,
      version: r.version!,
      lowStockThreshold: r.low_stock_threshold!,
    });
  }
  return { versions, rows: levels };
}

/** An admin change announced its levels itself (in its transaction): they are not due any more. */
export async function markAnnounced(em: EntityManager, versions: ReadonlyMap<string, number>): Promise<void> {
  if (versions.size === 0) return;
  await em.execute(
    `insert into product_level_published (product_id, version)
       select * from unnest(?::uuid[], ?::int8[])
     on conflict (product_id) do update set version = greatest(product_level_published.version, excluded.version)`,
    [pgArray([...versions.keys()]), `{${[...versions.values()].join(',')}}`],
  );
}
