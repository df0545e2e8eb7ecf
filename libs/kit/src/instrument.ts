/**
 * OpenTelemetry start-up. Loaded before anything else so the instrumentations can patch modules as
 * they are first imported: `node --import tsx --import @mercato/kit/instrument src/server.ts`.
 *
 * Traces go out over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set. Without it spans are still
 * created (so log lines carry trace ids and traceparent flows between services) but not exported.
 */
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, NoopSpanProcessor } from '@opentelemetry/sdk-trace';

// Logs go to stdout through pino and metrics are scraped from /metrics: the SDK's default of
// pushing both over OTLP to localhost would only produce connection errors.
process.env.OTEL_LOGS_EXPORTER ??= 'none';
process.env.OTEL_METRICS_EXPORTER ??= 'none';

const exporting = Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT);
// Probes and scrapes every few seconds would drown the traces that matter.
const quietPaths = new Set(['/healthz', '/readyz', '/metrics']);

export const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME ?? process.env.SERVICE_NAME,
  // The SDK only installs a tracer provider when there is at least one span processor.
  spanProcessors: [
    exporting ? new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }) : new NoopSpanProcessor(),
  ],
  instrumentations: [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => quietPaths.has((req.url ?? '').split('?')[0] ?? ''),
    }),
    new UndiciInstrumentation(),
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      ignorePaths: ({ url }) => quietPaths.has(url),
    }) as never,
    new PgInstrumentation(),
    new AmqplibInstrumentation(),
    new IORedisInstrumentation(),
  ],
});
sdk.start();

// runService exits the process (close-with-grace) right after app.close(), so 'beforeExit' never
// fires there: it flushes the last spans through this hook instead, without importing this module.
(globalThis as Record<symbol, unknown>)[Symbol.for('mercato.telemetry.shutdown')] = () => sdk.shutdown();
process.once('beforeExit', () => {
  void sdk.shutdown();
});
