// Outbox and inbox rows. They live in the service's own schema (no `schema` here: the ORM's schema
// setting applies), created by `messagingMigration`, so an event and the state change that caused it
// commit or roll back together.
import { defineEntity, p } from '@mikro-orm/core';

export const OutboxMessage = defineEntity({
  name: 'OutboxMessage',
  tableName: 'outbox',
  properties: {
    id: p.string().primary().columnType('uuid'), // the envelope id
    type: p.string().columnType('text'), // routing key
    payload: p.json<Record<string, unknown>>(), // the envelope, published verbatim
    headers: p.json<Record<string, string>>(), // traceparent/tracestate active when the event was added
    createdAt: p.datetime().columnType('timestamptz'),
    sentAt: p.datetime().columnType('timestamptz').nullable(),
  },
});

export const InboxMessage = defineEntity({
  name: 'InboxMessage',
  tableName: 'inbox',
  properties: {
    consumer: p.string().primary().columnType('text'),
    messageId: p.string().primary().columnType('uuid'),
    handledAt: p.datetime().columnType('timestamptz'),
  },
});

/** Add to the service's entities. */
export const messagingEntities = [OutboxMessage, InboxMessage];
