// The pipeline's metrics, on the app's own registry (kit's metricsPlugin: `app.metrics`): what every
// consumer did with each message, how long its handler took, and the outbox's backlog. Every consumer
// and the relay of one service share one registry, so each metric is created once per registry and
// found again by name.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Logger } from './broker.ts';

/**
 * What became of one delivery. `rejected`: unreadable or against its contract, dead-lettered at once
 * (retrying cannot fix it); `dead_lettered`: the handler failed on its last attempt; `retried`: the
 * handler failed (or the database was unreachable) and the message went to the delayed retry queue.
 */
export type ConsumeOutcome = 'handled' | 'duplicate' | 'retried' | 'dead_lettered' | 'rejected';

export interface ConsumerMetrics {
  consumed: Counter<'queue' | 'type' | 'outcome'>;
  handling: Histogram<'queue' | 'type'>;
}

function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

export function consumerMetrics(registry: Registry): ConsumerMetrics {
  const consumed =
    existing<ConsumerMetrics['consumed']>(registry, 'messages_consumed_total') ??
    new Counter({
      name: 'messages_consumed_total',
      help: 'Messages taken from a consumer queue, by event type and what became of them',
      labelNames: ['queue', 'type', 'outcome'] as const,
      registers: [registry],
    });
  const handling =
    existing<ConsumerMetrics['handling']>(registry, 'message_handling_seconds') ??
    new Histogram({
      name: 'message_handling_seconds',
      help: "Time from a message's arrival to its ack or forward (handler transaction included), in seconds",
      labelNames: ['queue', 'type'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  return { consumed, handling };
}

/** One outbox's backlog, read when Prometheus scrapes. */
export interface OutboxSample {
  pending: number;
  /** age of the oldest unsent row; 0 when none */
  oldestSeconds: number;
}

interface OutboxState {
  sources: Set<() => Promise<OutboxSample>>;
  /** one read serves both gauges of a scrape */
  inflight?: Promise<OutboxSample | undefined>;
  logger: Logger;
}
const outboxStates = new WeakMap<Registry, OutboxState>();

/**
 * Registers `sample` (a relay's query of its outbox) for the outbox gauges of `registry`; returns
 * the published-rows counter and a function that unregisters the source (the relay's stop).
 * A failing read leaves the gauges at their last values and is logged: /metrics keeps answering,
 * with the process metrics and the counters, while the database is away.
 */
export function outboxMetrics(
  registry: Registry,
  sample: () => Promise<OutboxSample>,
  logger: Logger,
): { published: Counter; remove(): void } {
  let state = outboxStates.get(registry);
  if (!state) {
    const s: OutboxState = { sources: new Set(), logger };
    state = s;
    outboxStates.set(registry, s);
    const read = () => {
      s.inflight ??= readAll(s).finally(() => {
        s.inflight = undefined;
      });
      return s.inflight;
    };
    new Gauge({
      name: 'outbox_pending_rows',
      help: 'Outbox rows committed but not yet published to the broker',
      registers: [registry],
      async collect() {
        const total = await read();
        if (total) this.set(total.pending);
      },
    });
    new Gauge({
      name: 'outbox_oldest_pending_seconds',
      help: 'Age of the oldest outbox row not yet published, in seconds (0 when none)',
      registers: [registry],
      async collect() {
        const total = await read();
        if (total) this.set(total.oldestSeconds);
      },
    });
  }
  const published =
    existing<Counter>(registry, 'outbox_published_total') ??
    new Counter({
      name: 'outbox_published_total',
      help: 'Outbox rows published to the broker (confirmed by it and marked sent)',
      registers: [registry],
    });
  const own = state;
  own.sources.add(sample);
  return { published, remove: () => own.sources.delete(sample) };
}

async function readAll(state: OutboxState): Promise<OutboxSample | undefined> {
  try {
    const samples = await Promise.all([...state.sources].map((sample) => sample()));
    return {
      pending: samples.reduce((n, s) => n + s.pending, 0),
      oldestSeconds: samples.reduce((n, s) => Math.max(n, s.oldestSeconds), 0),
    };
  } catch (err) {
    state.logger.warn({ err }, 'outbox metrics: cannot read the outbox; the gauges keep their last values');
    return undefined;
  }
}
