export { Broker, BrokerUnavailableError, type Logger, type OutgoingMessage } from './broker.ts';
export {
  type Consumer,
  type ConsumerOptions,
  type EventHandler,
  type EventHandlers,
  HEADERS,
  startConsumer,
} from './consumer.ts';
export { InboxMessage, messagingEntities, OutboxMessage } from './entities.ts';
export { type Envelope, envelope, parseEnvelope } from './envelope.ts';
export { claimInbox, inboxTable } from './inbox.ts';
export { MessagingMigration, messagingMigration } from './migration.ts';
export {
  addToOutbox,
  insertIntoOutbox,
  type OutboxRow,
  outboxInsert,
  outboxRow,
  outboxTable,
  type SqlFragment,
} from './outbox.ts';
export { outboxChannel, outboxCommitted, outboxStatementDone } from './outbox-signal.ts';
export {
  messagingMigrations,
  messagingQueueTablesMigration,
  QUEUE_TABLE_AUTOVACUUM,
  QueueTablesMigration,
} from './queue-tables.ts';
export { type OutboxRelayOptions, startOutboxRelay } from './relay.ts';
export { consumerTopology } from './topology.ts';
