// Producer side of the transactional outbox: the ONE place that writes outbox rows. An event is
// written in the same transaction as the state change (or not at all); nothing is published here —
// the relay publishes committed rows.
import type { EntityManager } from '@mercato/db';
import { OutboxMessage } from './entities.ts';
import type { Envelope } from './envelope.ts';
import { outboxWritten } from './outbox-signal.ts';
import { currentTraceHeaders } from './trace.ts';

const quote = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/**
 * Adds `event` to the outbox as part of `em`'s unit of work: it is written by the flush / commit that
 * writes the state change (`em.transactional(...)` or `em.flush()`). Records the active W3C trace
 * context with the row.
 */
export function addToOutbox(em: EntityManager, event: Envelope): void {
  em.persist(em.create(OutboxMessage, { ...outboxRow(event), createdAt: new Date(), sentAt: null }));
  outboxWritten(em, 'transaction'); // its commit wakes the relay
}

export interface OutboxRow {
  id: string;
  type: string;
  payload: Record<string, unknown>;
  /** The W3C trace context active when the event was added: the relay publishes inside that trace. */
  headers: Record<string, string>;
}

/** The row for `event`, with the trace context active now. */
export function outboxRow(event: Envelope): OutboxRow {
  return {
    id: event.id,
    type: event.type,
    payload: event as unknown as Record<string, unknown>,
    headers: currentTraceHeaders(),
  };
}

/** The outbox table, qualified with the ORM's schema (as the ORM's own queries are). */
export function outboxTable(em: Pick<EntityManager, 'config'>): string {
  const schema = em.config.get('schema');
  return schema ? `${quote(schema)}.outbox` : 'outbox';
}

/** A piece of SQL and its positional (`?`) parameters, to be placed inside a larger statement. */
export interface SqlFragment {
  sql: string;
  params: unknown[];
}

/**
 * The INSERT of `events` into the outbox, as a fragment for a hot path that writes its state change
 * and its events in ONE statement (a data-modifying CTE: `with …, published as (${sql}) select …`).
 * `onlyIf` makes the insert conditional on another CTE of that statement:
 * `{ from: 'matched', where: 'matched.ok' }` inserts only where `matched.ok` holds.
 * The statement must belong to the state change's transaction (a single statement is one).
 * Run inside a transaction, the commit wakes the relay. Run outside one, call `outboxStatementDone`
 * when the statement has returned or failed: the relay looks then (without it, it looks a few times
 * over the next second).
 */
export function outboxInsert(
  em: Pick<EntityManager, 'config'>,
  events: readonly Envelope[],
  onlyIf?: { from: string; where: string },
): SqlFragment {
  const transaction = (em as Partial<EntityManager>).isInTransaction?.() ?? false;
  outboxWritten(em, transaction ? 'transaction' : 'autocommit');
  return insertFragment(em, events, onlyIf);
}

function insertFragment(
  em: Pick<EntityManager, 'config'>,
  events: readonly Envelope[],
  onlyIf?: { from: string; where: string },
): SqlFragment {
  const from = onlyIf ? `${onlyIf.from}, ` : '';
  const where = onlyIf ? ` where ${onlyIf.where}` : '';
  return {
    sql: `insert into ${outboxTable(em)} (id, type, payload, headers)
      select e.id, e.type, e.payload, e.headers
        from ${from}jsonb_to_recordset(?::jsonb) as e(id uuid, type text, payload jsonb, headers jsonb)${where}`,
    params: [JSON.stringify(events.map(outboxRow))],
  };
}

/** Inserts `events` into the outbox now, in `em`'s transaction (one statement, whatever their number). */
export async function insertIntoOutbox(em: EntityManager, events: readonly Envelope[]): Promise<void> {
  if (events.length === 0) return;
  const transaction = em.isInTransaction();
  if (transaction) outboxWritten(em, 'transaction');
  const { sql, params } = insertFragment(em, events);
  await em.execute(sql, params);
  if (!transaction) outboxWritten(em, 'done'); // it committed on its own: wake the relay now
}
