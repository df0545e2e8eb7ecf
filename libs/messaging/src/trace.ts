// W3C trace context across the outbox and the broker: the producer's context is captured when the
// event is added (the relay runs later, outside that request), the relay publishes inside it, and the
// consumer continues it. Uses the global propagator that the OpenTelemetry SDK registers.
import { type Context, context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';

/** The active trace context as headers (`traceparent`, `tracestate`, ...); empty without a trace. */
export function currentTraceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** A context whose parent is the span described by `headers` (AMQP header values may be Buffers). */
export function contextFromHeaders(headers: Record<string, unknown> | undefined): Context {
  if (!headers) return ROOT_CONTEXT;
  const carrier: Record<string, string> = {};
  for (const key of ['traceparent', 'tracestate', 'baggage']) {
    const v = headers[key];
    if (typeof v === 'string') carrier[key] = v;
    else if (Buffer.isBuffer(v)) carrier[key] = v.toString('utf8');
  }
  return propagation.extract(ROOT_CONTEXT, carrier);
}
