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
import { redactSecretQuery, SECRET_QUERY_PARAMS } from './redact.ts';

// Logs go to stdout through pino and metrics are scraped from /metrics: the SDK's default of
// pushing both over OTLP to localhost would only produce connection errors.
process.env.OTEL_LOGS_EXPORTER ??= 'none';
process.env.OTEL_METRICS_EXPORTER ??= 'none';

const exporting = Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT);
// Probes and scrapes every few seconds would drown the traces that matter.
// instrumentation-http's default list, kept when we add ours (giving a list replaces it).
const OTEL_DEFAULT_REDACTED = [
  'sig',
  'Signature',
  'AWSAccessKeyId',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
];
const quietPaths = new Set(['/healthz', '/readyz', '/metrics']);

export const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME ?? process.env.SERVICE_NAME,
  // The SDK only installs a tracer provider when there is at least one span processor.
  spanProcessors: [
    exporting ? new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }) : new NoopSpanProcessor(),
  ],
  instrumentations: [
    new HttpInstrumentation({
      // The library's own list (signed cloud URLs) and ours (capability links such as ?token=).
      redactedQueryParams: [...OTEL_DEFAULT_REDACTED, ...SECRET_QUERY_PARAMS],
      redactedQueryParamsServer: [...OTEL_DEFAULT_REDACTED, ...SECRET_QUERY_PARAMS],
      ignoreIncomingRequestHook: (req) => quietPaths.has((req.url ?? '').split('?')[0] ?? ''),
    }),
    new UndiciInstrumentation({
      // fetch() spans have no redaction of their own: url.full and url.query are rewritten.
      requestHook: (span, request) => {
        if (!request.path.includes('?')) return;
        span.setAttribute('url.full', redactSecretQuery(`${request.origin}${request.path}`));
        span.setAttribute('url.query', redactSecretQuery(request.path).split('?')[1] ?? '');
      },
    }),
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      ignorePaths: ({ url }) => quietPaths.has(url),
      // Its route span puts the whole request URL, query included, in url.path.
      requestHook: (span: { setAttribute(k: string, v: string): void }, request: { url: string }) => {
        if (request.url.includes('?')) span.setAttribute('url.path', redactSecretQuery(request.url));
      },
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
