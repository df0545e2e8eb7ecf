// Consumer side: one quorum queue per consumer, a delayed retry path, a dead-letter queue, contract
// validation, the inbox, and the producer's trace continued. The handler's writes, the inbox row and
// any events it adds to the outbox commit in ONE transaction; the message is acked only after that.

import type { EventMap } from '@mercato/contracts';
import { validateEvent } from '@mercato/contracts';
import type { EntityManager, MikroORM } from '@mercato/db';
import { isConnectionError } from '@mercato/kit';
import { OptimisticLockError } from '@mikro-orm/core';
import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Registry } from 'prom-client';
import type { Broker, Logger } from './broker.ts';
import { type Envelope, parseEnvelope } from './envelope.ts';
import { claimInbox, inboxTable } from './inbox.ts';
import { type ConsumeOutcome, consumerMetrics } from './metrics.ts';
import { consumerTopology, declareConsumerTopology } from './topology.ts';
import { contextFromHeaders } from './trace.ts';

/**
 * Handles one event type: `event.data` is already checked against its contract, so it is typed.
 * Runs in ONE transaction with the inbox insert; events it emits go to the outbox through `em`.
 */
export type EventHandler<T = unknown, K extends string = string> = (
  event: Envelope<T> & { type: K },
  em: EntityManager,
) => Promise<void>;

/** One handler per event type the consumer subscribes to (the keys are the routing keys). */
export type EventHandlers<M extends object = EventMap> = {
  [K in keyof M & string]?: EventHandler<M[K], K>;
};

export interface ConsumerOptions<M extends object = EventMap> {
  broker: Broker;
  orm: MikroORM;
  logger?: Logger;
  /** '<service>.<handler>', e.g. 'inventory.reserve-stock' */
  name: string;
  /** keyed by event type (= routing key): the queue is bound to exactly these */
  handlers: EventHandlers<M>;
  /** default [1000, 5000, 30000]; then dead-letter */
  retryDelaysMs?: number[];
  /** default 20 */
  prefetch?: number;
  /**
   * Up to this many messages that are already delivered and waiting are handled in ONE transaction
   * (default 1: a transaction per message). Nothing waits for a batch to fill: a message that finds
   * the consumer idle is handled at once, alone; under load the messages that arrived meanwhile go
   * together, which saves a commit (and its WAL flush) per message. If a batch fails, each of its
   * messages is handled again on its own, with the usual retries; so use it only where every effect
   * of the handler is in the database (no HTTP call, no e-mail), which that replay would repeat.
   * The prefetch is raised to at least this.
   */
  batchSize?: number;
  /** The app's registry (`app.metrics`): messages_consumed_total and message_handling_seconds go there. */
  metrics?: Registry;
}

/** Header names we set on retried and dead-lettered copies. */
export const HEADERS = {
  attempt: 'x-mercato-attempt',
  lastError: 'x-mercato-last-error',
  deadReason: 'x-mercato-dead-reason',
  consumer: 'x-mercato-consumer',
  routingKey: 'x-mercato-routing-key',
  deadAt: 'x-mercato-dead-at',
} as const;

const silent: Logger = { info() {}, warn() {}, error() {} };
const tracer = trace.getTracer('@mercato/messaging');
// Version conflicts on hot rows are expected (see TOOLCHAIN: ~79% under contention). Retrying them in
// process, with jitter, is far cheaper than a trip through the delayed retry queue.
const QUICK_RETRIES = 5;
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01']); // serialization failure, deadlock

function isTransient(err: unknown): boolean {
  if (err instanceof OptimisticLockError) return true;
  const e = err as { code?: unknown; sqlState?: unknown };
  return TRANSIENT_SQLSTATES.has(String(e?.code)) || TRANSIENT_SQLSTATES.has(String(e?.sqlState));
}

// Inbox rows only need to outlive any plausible redelivery; old ones are deleted now and then.
const INBOX_RETENTION = '7 days';
const INBOX_CLEANUP_EVERY_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const truncate = (s: string, n = 1000) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** A message taken from the queue whose envelope and contract are valid. */
interface Delivery {
  ch: Channel;
  msg: ConsumeMessage;
  event: Envelope;
  /** performance.now() when it arrived */
  started: number;
}

export interface Consumer {
  stop(): Promise<void>;
}

export async function startConsumer<M extends object = EventMap>(
  opts: ConsumerOptions<M>,
): Promise<Consumer> {
  const { broker, orm, name } = opts;
  const handlers = opts.handlers as Record<string, EventHandler | undefined>;
  const events = Object.keys(handlers).filter((type) => handlers[type] !== undefined);
  if (events.length === 0) throw new Error(`consumer ${name}: no event handlers`);
  const logger = opts.logger ?? silent;
  const delays = opts.retryDelaysMs ?? [1000, 5000, 30000];
  const batchSize = Math.max(1, opts.batchSize ?? 1);
  const prefetch = Math.max(opts.prefetch ?? 20, batchSize);
  const topo = consumerTopology(broker.exchange, name, delays);
  broker.trackQueues([topo.queue, ...topo.retryQueues.map((q) => q.name), topo.dlq]);

  let stopping = false;
  let channel: Channel | undefined;
  let consumerTag: string | undefined;
  const inflight = new Set<Promise<void>>();
  const metrics = opts.metrics ? consumerMetrics(opts.metrics) : undefined;
  /** Counts what became of a delivery; `started` (ms): also how long it took, for those handled at all. */
  const record = (type: string, outcome: ConsumeOutcome, started?: number) => {
    if (!metrics) return;
    metrics.consumed.inc({ queue: topo.queue, type, outcome });
    if (started !== undefined)
      metrics.handling.observe({ queue: topo.queue, type }, (performance.now() - started) / 1000);
  };
  // The database is unreachable (a restart, a failover): warned once per outage, not per message.
  let databaseDown = false;

  /** The inbox claim and the handler, in `em`'s transaction. */
  const handleIn = async (em: EntityManager, event: Envelope): Promise<'handled' | 'duplicate'> => {
    if (!(await claimInbox(em, name, event.id))) return 'duplicate';
    const handle = handlers[event.type];
    // A binding left by an earlier version of the service (durable queues keep theirs) can
    // still bring a type this consumer no longer handles: recorded as handled, nothing done.
    if (handle) await handle(event, em);
    else
      logger.info(
        { consumer: name, messageId: event.id, type: event.type },
        'event type not handled here; ignored',
      );
    return 'handled';
  };

  const handleInTransaction = async (event: Envelope): Promise<'handled' | 'duplicate'> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await orm.em.fork().transactional((em) => handleIn(em, event));
      } catch (err) {
        if (attempt >= QUICK_RETRIES || !isTransient(err)) throw err;
        await sleep(Math.random() * 20 * attempt);
      }
    }
  };

  const ack = (ch: Channel, msg: ConsumeMessage) => {
    try {
      ch.ack(msg);
    } catch {
      // The channel died with the connection: the broker redelivers and the inbox absorbs it.
    }
  };

  // Retried copies come back with the retry queue's dead-letter routing key; remember the original.
  const routingKeyOf = (msg: ConsumeMessage) => {
    const kept = msg.properties.headers?.[HEADERS.routingKey];
    return kept === undefined ? msg.fields.routingKey : String(kept);
  };

  /** Sends a copy of `msg` to `queue` (by default exchange, or through `viaExchange`), confirmed, then acks the original. */
  const forward = async (
    ch: Channel,
    msg: ConsumeMessage,
    queue: string,
    extra: Record<string, unknown>,
    viaExchange = '',
  ) => {
    const headers = { ...msg.properties.headers, [HEADERS.routingKey]: routingKeyOf(msg), ...extra };
    try {
      await broker.publishConfirmed([
        {
          exchange: viaExchange,
          routingKey: queue,
          content: msg.content,
          options: { ...msg.properties, headers },
        },
      ]);
      ack(ch, msg);
    } catch (err) {
      logger.warn({ err, queue }, 'cannot forward message; it will be redelivered');
      // Leave it unacked for a moment so a broken publish path does not spin, then hand it back.
      await sleep(1000);
      try {
        ch.nack(msg, false, true);
      } catch {
        // channel gone: redelivered anyway
      }
    }
  };

  const deadLetter = async (ch: Channel, msg: ConsumeMessage, reason: string, id?: string) => {
    logger.error(
      {
        consumer: name,
        messageId: id ?? msg.properties.messageId,
        routingKey: routingKeyOf(msg),
        reason,
      },
      'message dead-lettered',
    );
    await forward(ch, msg, topo.dlq, {
      [HEADERS.deadReason]: truncate(reason),
      [HEADERS.consumer]: name,
      [HEADERS.deadAt]: new Date().toISOString(),
    });
  };

  const onMessage = async (ch: Channel, msg: ConsumeMessage) => {
    const started = performance.now();
    const parsed = parseEnvelope(msg.content);
    if (!parsed.ok) {
      // The routing key, not anything read from the body: the label stays one of the bound types.
      record(routingKeyOf(msg), 'rejected');
      return deadLetter(ch, msg, parsed.reason, parsed.id);
    }
    const event = parsed.envelope;
    const valid = validateEvent(event.type, event.version, event.data);
    if (!valid.ok) {
      record(routingKeyOf(msg), 'rejected');
      return deadLetter(
        ch,
        msg,
        `contract ${event.type}@${event.version}: ${valid.errors.join('; ')}`,
        event.id,
      );
    }

    const delivery = { ch, msg, event, started };
    return batchSize > 1 ? inBatch(delivery) : processOne(delivery);
  };

  /** The span of one message's processing, a child of the producer's trace. */
  const startSpan = (msg: ConsumeMessage, event: Envelope) => {
    const parent = contextFromHeaders(msg.properties.headers);
    const span = tracer.startSpan(
      `${topo.queue} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'rabbitmq',
          'messaging.operation.type': 'process',
          'messaging.destination.name': broker.exchange,
          'messaging.rabbitmq.destination.routing_key': routingKeyOf(msg),
          'messaging.message.id': event.id,
          'messaging.consumer.group.name': name,
        },
      },
      parent,
    );
    return { span, ctx: trace.setSpan(parent, span) };
  };

  const handled = (d: Delivery, outcome: 'handled' | 'duplicate', span: Span) => {
    span.setAttribute('mercato.inbox.duplicate', outcome === 'duplicate');
    ack(d.ch, d.msg);
    record(d.event.type, outcome, d.started);
    if (databaseDown) {
      databaseDown = false;
      logger.info({ consumer: name }, 'database reachable again; messages handled');
    }
  };

  /** One message in its own transaction; a failure goes to the retry path or the dead-letter queue. */
  const processOne = async (d: Delivery) => {
    const { ch, msg, event, started } = d;
    const { span, ctx } = startSpan(msg, event);
    try {
      handled(d, await context.with(ctx, () => handleInTransaction(event)), span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
      if (isConnectionError(err)) {
        await retryWhileDatabaseDown(ch, msg, event.id, err);
        return record(event.type, 'retried', started);
      }
      const failed = Number(msg.properties.headers?.[HEADERS.attempt] ?? 0);
      const message = truncate(String((err as Error)?.message ?? err));
      if (failed < topo.retryQueues.length) {
        const retry = topo.retryQueues[failed]!;
        logger.warn(
          { err, consumer: name, messageId: event.id, attempt: failed + 1, retryInMs: retry.delayMs },
          'handler failed; retrying later',
        );
        await forward(
          ch,
          msg,
          topo.queue,
          { [HEADERS.attempt]: failed + 1, [HEADERS.lastError]: message },
          retry.exchange,
        );
        record(event.type, 'retried', started);
      } else {
        await deadLetter(ch, msg, `handler failed after ${failed + 1} attempts: ${message}`, event.id);
        record(event.type, 'dead_lettered', started);
      }
    } finally {
      span.end();
    }
  };

  // Batches: the deliveries that arrive while a batch is being handled wait here and go together.
  const waiting: Delivery[] = [];
  let draining = false;
  const settle = new Map<Delivery, () => void>();

  const inBatch = (d: Delivery): Promise<void> => {
    const done = new Promise<void>((resolve) => settle.set(d, resolve));
    waiting.push(d);
    if (!draining) {
      draining = true;
      void drain();
    }
    return done;
  };

  const drain = async () => {
    while (waiting.length > 0) {
      const batch = waiting.splice(0, batchSize);
      try {
        await processBatch(batch);
      } catch (err) {
        logger.error({ err, consumer: name }, 'unexpected consumer failure');
      } finally {
        for (const d of batch) {
          settle.get(d)?.();
          settle.delete(d);
        }
      }
    }
    // In the same synchronous step as the last look at `waiting`: a delivery after it starts a drain.
    draining = false;
  };

  /**
   * Several messages, one transaction. If it fails (a handler threw, a version conflict, the
   * database went away), nothing of it was committed: each message is then handled on its own, so
   * only the message at fault goes round the retries.
   */
  const processBatch = async (batch: Delivery[]) => {
    if (batch.length === 1) return processOne(batch[0]!);
    const spans = batch.map((d) => startSpan(d.msg, d.event));
    let outcomes: ('handled' | 'duplicate')[];
    try {
      outcomes = await orm.em.fork().transactional(async (em) => {
        const out: ('handled' | 'duplicate')[] = [];
        for (const [i, d] of batch.entries()) {
          out.push(await context.with(spans[i]!.ctx, () => handleIn(em, d.event)));
          // Each handler sees the database, not entities an earlier one loaded (and maybe changed
          // since through SQL): its writes go out, then the identity map is emptied.
          await em.flush();
          em.clear();
        }
        return out;
      });
    } catch (err) {
      for (const { span } of spans) {
        span.setAttribute('mercato.batch.failed', true);
        span.end();
      }
      logger.debug?.(
        { err, consumer: name, size: batch.length },
        'batch failed; handling its messages one by one',
      );
      for (const d of batch) await processOne(d);
      return;
    }
    for (const [i, d] of batch.entries()) {
      const { span } = spans[i]!;
      span.setAttribute('messaging.batch.message_count', batch.length);
      handled(d, outcomes[i]!, span);
      span.end();
    }
  };

  /**
   * The handler failed because the database could not be reached: nothing is wrong with the message,
   * so it must not use up its retries or end in the dead-letter queue, however long the outage. It
   * goes round the shortest retry delay with its attempt count unchanged (a copy, so the quorum
   * queue's delivery limit does not count it either) until the database is back.
   */
  const retryWhileDatabaseDown = async (ch: Channel, msg: ConsumeMessage, id: string, err: unknown) => {
    if (!databaseDown) {
      databaseDown = true;
      logger.warn(
        { err, consumer: name, messageId: id },
        'database unavailable; messages wait until it is back',
      );
    } else logger.debug?.({ err, consumer: name, messageId: id }, 'database still unavailable');
    const retry = topo.retryQueues[0];
    const message = truncate(String((err as Error)?.message ?? err));
    if (retry) return forward(ch, msg, topo.queue, { [HEADERS.lastError]: message }, retry.exchange);
    // No delayed retry configured: hand it back after a pause instead.
    await sleep(1000);
    try {
      ch.nack(msg, false, true);
    } catch {
      // channel gone: redelivered anyway
    }
  };

  let channelConn: ChannelModel | undefined; // the connection `channel` belongs to
  let lastConn: ChannelModel | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

  /** Declares the topology and consumes on `conn`; run on every (re)connect of the broker. */
  const setup = async (conn: ChannelModel) => {
    lastConn = conn;
    if (stopping || (channel && channelConn === conn)) return;
    const ch = await conn.createChannel();
    ch.on('error', (err: Error) => logger.warn({ err, consumer: name }, 'consumer channel error'));
    ch.on('close', () => {
      if (channel !== ch) return;
      channel = undefined;
      consumerTag = undefined;
      // The connection may be fine and only this channel failed (a channel error, the queue deleted
      // under us): open a new one. After a connection loss the broker's reconnect runs setup instead.
      if (!stopping) scheduleResetup(conn);
    });
    try {
      await declareConsumerTopology(ch, broker.exchange, topo, events);
      await ch.prefetch(prefetch);
    } catch (err) {
      await ch.close().catch(() => {});
      throw err;
    }
    if (stopping || (channel && channelConn === conn)) {
      await ch.close().catch(() => {}); // a concurrent setup won
      return;
    }
    channel = ch;
    channelConn = conn;
    const reply = await ch.consume(topo.queue, (msg) => {
      if (!msg) {
        // Cancelled by the broker (e.g. the queue was deleted): closing the channel re-declares.
        logger.warn({ consumer: name }, 'consumer cancelled by the broker; re-declaring');
        void ch.close().catch(() => {});
        return;
      }
      const p = onMessage(ch, msg)
        .catch((err) => logger.error({ err, consumer: name }, 'unexpected consumer failure'))
        .finally(() => inflight.delete(p));
      inflight.add(p);
    });
    consumerTag = reply.consumerTag;
  };

  const scheduleResetup = (conn: ChannelModel) => {
    if (retryTimer) return;
    retryTimer = setTimeout(async () => {
      retryTimer = undefined;
      if (stopping || lastConn !== conn || !broker.connected) return;
      try {
        await setup(conn);
      } catch (err) {
        logger.warn({ err, consumer: name }, 'cannot restart consumer; retrying');
        scheduleResetup(conn);
      }
    }, 1000);
  };

  // A failure at start (e.g. a queue declared elsewhere with other arguments) is thrown to the caller;
  // after a reconnect it is logged and retried, without taking the broker's other consumers down.
  let started = false;
  const unsubscribe = await broker.onConnected(async (conn) => {
    try {
      await setup(conn);
    } catch (err) {
      if (!started) throw err;
      logger.warn({ err, consumer: name }, 'cannot restart consumer after reconnect; retrying');
      scheduleResetup(conn);
    }
  });
  started = true;

  const cleanup = setInterval(() => {
    orm.em
      .fork()
      .execute(
        `delete from ${inboxTable(orm.em)} where consumer = ? and handled_at < now() - interval '${INBOX_RETENTION}'`,
        [name],
      )
      .catch((err: unknown) => logger.warn({ err, consumer: name }, 'inbox clean-up failed'));
  }, INBOX_CLEANUP_EVERY_MS);
  cleanup.unref();

  return {
    async stop() {
      stopping = true;
      unsubscribe();
      if (retryTimer) clearTimeout(retryTimer);
      clearInterval(cleanup);
      const ch = channel;
      // Stop taking messages, let the ones in hand finish (and ack), then close the channel.
      if (ch && consumerTag) await ch.cancel(consumerTag).catch(() => {});
      await Promise.allSettled([...inflight]);
      if (ch) await ch.close().catch(() => {});
    },
  };
}
