// W3C trace context crosses the outbox and the broker: the consumer's span is a child of the span
// that was active when the event was added to the outbox (the relay runs outside that request).
import { eventually } from '@mercato/testing';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import t from 'tap';
import { addToOutbox, envelope, startConsumer, startOutboxRelay } from '../src/index.ts';
import { PING, setupBroker, setupOrm, type TestEvents } from './helpers.ts';

const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(
  new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

t.test("the consumer's span has the producer's trace id", async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  let handlerTraceId: string | undefined;
  const consumer = await startConsumer<TestEvents>({
    broker,
    orm,
    name: 'test.traced',
    handlers: {
      [PING]: async () => {
        handlerTraceId = trace.getActiveSpan()?.spanContext().traceId;
      },
    },
  });
  const relay = startOutboxRelay({ orm, broker, pollIntervalMs: 100 });
  t.teardown(async () => {
    await relay.stop();
    await consumer.stop();
  });

  const tracer = trace.getTracer('test');
  const event = envelope(PING, { n: 1 }, { source: 'test' });
  const producer = await tracer.startActiveSpan('POST /things', { kind: SpanKind.SERVER }, async (span) => {
    await orm.em.fork().transactional(async (em) => addToOutbox(em, event));
    span.end();
    return span.spanContext();
  });

  const consumed = await eventually(async () => {
    const s = exporter.getFinishedSpans().find((s) => s.name.endsWith('test.traced process'));
    if (!s) throw new Error('no consumer span yet');
    return s;
  });
  t.equal(consumed.spanContext().traceId, producer.traceId, 'same trace');
  t.equal(consumed.parentSpanContext?.spanId, producer.spanId, 'child of the producing span');
  t.equal(consumed.kind, SpanKind.CONSUMER);
  t.equal(consumed.attributes['messaging.message.id'], event.id);
  t.equal(handlerTraceId, producer.traceId, 'the handler runs inside the consumer span');
  const [row] = await orm.em.fork().execute('select headers from outbox where id = ?', [event.id]);
  t.match(row.headers.traceparent, new RegExp(`^00-${producer.traceId}-${producer.spanId}-01$`));
});
