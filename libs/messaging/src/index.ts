export { Broker, BrokerUnavailableError, type Logger, type OutgoingMessage } from './broker.ts';
export { type ConsumerOptions, HEADERS, startConsumer } from './consumer.ts';
export { InboxMessage, messagingEntities, OutboxMessage } from './entities.ts';
export { type Envelope, envelope, parseEnvelope } from './envelope.ts';
export {
  buildEventService,
  type EventServiceConfig,
  type EventServiceContext,
  type EventServiceOptions,
} from './event-service.ts';
export { claimInbox } from './inbox.ts';
export { MessagingMigration, messagingMigration } from './migration.ts';
export { addToOutbox, type OutboxRow, outboxRow } from './outbox.ts';
export { type OutboxRelayOptions, startOutboxRelay } from './relay.ts';
export { consumerTopology } from './topology.ts';
