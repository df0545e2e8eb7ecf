// Queue names and declarations for one consumer. Every consumer gets its own queue and dead-letter
// queue, so a dead letter concerns that consumer only, never the other services bound to the same
// event type. The delay queues of the retry path are shared by every consumer on the exchange (one
// per delay): a retried copy is routed back by its routing key, which names the consumer's queue.
// Quorum queues are heavy (each is a Raft group with its own log); one set per consumer and delay
// multiplied the broker's queues by five.
import type { Channel } from 'amqplib';

export interface ConsumerTopology {
  queue: string;
  /** `exchange` is a fanout exchange in front of the delay queue `name`. */
  retryQueues: { name: string; exchange: string; delayMs: number }[];
  dlq: string;
}

export function consumerTopology(exchange: string, name: string, retryDelaysMs: number[]): ConsumerTopology {
  const queue = `${exchange}.${name}`;
  return {
    queue,
    // The delay is part of the name: changing the delays declares new queues instead of failing on
    // a queue whose arguments differ (PRECONDITION_FAILED).
    retryQueues: retryDelaysMs.map((delayMs) => {
      const shared = `${exchange}.retry.${delayMs}ms`;
      return { name: shared, exchange: shared, delayMs };
    }),
    dlq: `${queue}.dlq`,
  };
}

// Poison messages that crash the process before an ack (and so are never retried by us) are
// dead-lettered by the quorum queue itself after this many deliveries.
const DELIVERY_LIMIT = 20;

export async function declareConsumerTopology(
  ch: Channel,
  exchange: string,
  topo: ConsumerTopology,
  events: string[],
): Promise<void> {
  await ch.assertExchange(exchange, 'topic', { durable: true });
  await ch.assertQueue(topo.dlq, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await ch.assertQueue(topo.queue, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': DELIVERY_LIMIT,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': topo.dlq,
    },
  });
  for (const { name, exchange: retryExchange, delayMs } of topo.retryQueues) {
    // A retried copy is published to the fanout exchange with the consumer's queue as its routing key;
    // it waits here for `delayMs`, then expires to the default exchange, which delivers it by that
    // routing key straight back to that one consumer's queue (not to every consumer of the event).
    await ch.assertExchange(retryExchange, 'fanout', { durable: true });
    await ch.assertQueue(name, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-message-ttl': delayMs,
        'x-dead-letter-exchange': '',
      },
    });
    await ch.bindQueue(name, retryExchange, '');
  }
  for (const type of events) await ch.bindQueue(topo.queue, exchange, type);
}
