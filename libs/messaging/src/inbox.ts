// Idempotent consumers: the handled message id is inserted in the handler's own transaction, unique
// per consumer. A redelivery finds the row (or waits on the first delivery's uncommitted row and then
// finds it) and has no second effect; if the first attempt rolled back, the id is free again.
import type { EntityManager } from '@mercato/db';

const quote = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/** The inbox table, qualified with the ORM's schema. */
export function inboxTable(em: Pick<EntityManager, 'config'>): string {
  const schema = em.config.get('schema');
  return schema ? `${quote(schema)}.inbox` : 'inbox';
}

/** Returns true when this consumer has not handled `messageId` before (and claims it in `em`'s transaction). */
export async function claimInbox(em: EntityManager, consumer: string, messageId: string): Promise<boolean> {
  const table = inboxTable(em);
  const rows = await em.execute(
    `insert into ${table} (consumer, message_id) values (?, ?) on conflict do nothing returning message_id`,
    [consumer, messageId],
  );
  return Array.isArray(rows) && rows.length === 1;
}
