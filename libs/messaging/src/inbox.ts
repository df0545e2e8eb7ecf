// Idempotent consumers: the handled message id is inserted in the handler's own transaction, unique
// per consumer. A redelivery finds the row (or waits on the first delivery's uncommitted row and then
// finds it) and has no second effect; if the first attempt rolled back, the id is free again.
import type { EntityManager } from '@mercato/db';
import { UUID } from './envelope.ts';

const quote = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/** The inbox table, qualified with the ORM's schema. */
export function inboxTable(em: Pick<EntityManager, 'config'>): string {
  const schema = em.config.get('schema');
  return schema ? `${quote(schema)}.inbox` : 'inbox';
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** Returns true when this consumer has not handled `messageId` before (and claims it in `em`'s transaction). */
export async function claimInbox(em: EntityManager, consumer: string, messageId: string): Promise<boolean> {
  const table = inboxTable(em);
  const insert = `insert into ${table} (consumer, message_id) values`;
  const onConflict = 'on conflict do nothing returning message_id';
  // The claim is a transaction's first statement: written without parameters, it carries the
  // transaction's deferred `begin` in the same round trip (@mercato/db, deferred-begin.ts). The id is
  // checked to be a uuid (the column's type) and the consumer name quoted as a literal.
  const rows = UUID.test(messageId)
    ? await em.execute(`${insert} (${literal(consumer)}, '${messageId}') ${onConflict}`)
    : await em.execute(`${insert} (?, ?) ${onConflict}`, [consumer, messageId]);
  return Array.isArray(rows) && rows.length === 1;
}
