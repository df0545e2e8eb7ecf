// Keeps the local read model of catalog prices, so placing an order never waits on catalog. Events
// can arrive late or twice: a snapshot older than (or as old as) the one held changes nothing, and a
// deletion leaves a tombstone that an older update cannot overwrite.
import type { ProductDeleted, ProductSnapshot } from '@mercato/contracts';
import { normalizeAmount } from '@mercato/contracts';
import type { EntityManager as SqlEntityManager } from '@mercato/db';
import type { Envelope } from '@mercato/messaging';
import type { EntityManager } from '@mikro-orm/core';
import { schemaOf } from '../sql.ts';

export const PRODUCT_EVENTS = ['product.created', 'product.updated', 'product.deleted'];

const table = (em: SqlEntityManager) => `${schemaOf(em)}.product_price`;

export async function handleProductEvent(event: Envelope, coreEm: EntityManager): Promise<void> {
  const em = coreEm as SqlEntityManager;
  if (event.type === 'product.deleted') {
    const data = event.data as ProductDeleted;
    await em.execute(
      `insert into ${table(em)} as p (product_id, name, amount, currency, active, deleted, version, updated_at)
       values (?, '', 0, 'XXX', false, true, ?, now())
       on conflict (product_id) do update set active = false, deleted = true,
         version = excluded.version, updated_at = now()
       where p.version <= excluded.version`,
      [data.productId, data.version],
    );
    return;
  }
  const data = event.data as ProductSnapshot;
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
