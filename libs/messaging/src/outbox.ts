// Producer side of the transactional outbox. The row joins the caller's unit of work, so it is
// inserted in the same transaction as the state change (or not at all); nothing is published here.
import type { EntityManager } from '@mikro-orm/core';
import { OutboxMessage } from './entities.ts';
import type { Envelope } from './envelope.ts';
import { currentTraceHeaders } from './trace.ts';

/**
 * Adds `event` to the outbox as part of `em`'s unit of work: it is written by the flush / commit that
 * writes the state change (`em.transactional(...)` or `em.flush()`); the relay's short poll finds it
 * after commit. Records the active W3C trace context with the row.
 */
export async function addToOutbox(em: EntityManager, event: Envelope): Promise<void> {
  em.persist(em.create(OutboxMessage, { ...outboxRow(event), createdAt: new Date(), sentAt: null }));
}

export interface OutboxRow {
  id: string;
  type: string;
  payload: Record<string, unknown>;
  /** The W3C trace context active when the event was added: the relay publishes inside that trace. */
  headers: Record<string, string>;
}

/**
 * The outbox row for `event`, for a hot path that inserts it in its own SQL statement (columns
 * id, type, payload jsonb, headers jsonb; created_at defaults to now()) instead of through the unit
 * of work. Same transaction rule: the statement must belong to the state change's transaction.
 */
export function outboxRow(event: Envelope): OutboxRow {
  return {
    id: event.id,
    type: event.type,
    payload: event as unknown as Record<string, unknown>,
    headers: currentTraceHeaders(),
  };
}
