// Helpers for the hand-written SQL of the hot paths (placement, confirmation, the price read model),
// where a plain statement does what the ORM's load + unit of work would do in more round trips.
import type { EntityManager } from '@mercato/db';
import { type Envelope, outboxRow } from '@mercato/messaging';

const quote = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/** The ORM's schema (orders, or a test's), quoted: qualifies tables as the ORM's own queries do. */
export function schemaOf(em: Pick<EntityManager, 'config'>): string {
  return quote(em.config.get('schema') as string);
}

/**
 * Inserts `event` into the outbox now, as addToOutbox would at flush (same row, with the active trace
 * context). Only inside the state change's transaction.
 */
export async function insertOutbox(em: EntityManager, event: Envelope): Promise<void> {
  const row = outboxRow(event);
  await em.execute(
    `insert into ${schemaOf(em)}.outbox (id, type, payload, headers) values (?, ?, ?::jsonb, ?::jsonb)`,
    [row.id, row.type, JSON.stringify(row.payload), JSON.stringify(row.headers)],
  );
}
