/**
 * OpenTelemetry start-up. Loaded before anything else so the instrumentations can patch modules as
 * they are first imported: `node --import ./dist/instrument.js ./dist/server.js` (the image, `npm
 * start`), `node --import tsx --import @mercato/kit/instrument src/server.ts` (development).
 *
 * Only what is used is loaded, and only when it is used (every OpenTelemetry package is imported
 * dynamically, so the bundle imports none of them statically):
 * - `OTEL_SDK_DISABLED=true`: nothing at all; no package is loaded, no module is patched. Log lines
 *   then carry no trace ids and no traceparent is passed on.
 * - Traces go out over OTLP/HTTP, in batches (`OTEL_BSP_SCHEDULE_DELAY`, `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`,
 *   `OTEL_BSP_MAX_QUEUE_SIZE`, `OTEL_BSP_EXPORT_TIMEOUT`), when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 *   `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set and `OTEL_TRACES_EXPORTER` is not `none`.
 * - Sampling follows `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` (`parentbased_traceidratio` with
 *   `0.1`: one trace in ten started here, a caller's decision kept). Unset: `parentbased_always_on` when
 *   exporting, `parentbased_always_off` when not (nobody would read the spans; ids are still minted and
 *   passed on, so log lines carry trace ids and a caller's sampling decision travels on).
 * - Instrumentations: http, undici (fetch), pg, amqplib, ioredis, each only when the service's bundle
 *   uses its package (scripts/build defines MERCATO_BUNDLED_PACKAGES; from the sources, all). Without
 *   an exporter only http, undici and amqplib (they carry the trace across processes and into the log
 *   lines; the others would only make spans nobody receives).
 *   `OTEL_NODE_ENABLED_INSTRUMENTATIONS=http,undici,amqplib` keeps only those, exporting or not;
 *   `OTEL_NODE_DISABLED_INSTRUMENTATIONS=pg,ioredis` leaves those out.
 * - http, incoming: the kit's own SERVER span per request of every Fastify app (server-spans.ts: Fastify
 *   hooks; it continues a caller's `traceparent`, runs the request in its context, and records
 *   attributes only when sampled). @opentelemetry/instrumentation-http serves outgoing node:http
 *   requests only (`disableIncomingRequestInstrumentation`): its incoming side bound the context to
 *   every request's and response's emitters and computed its attributes on every request, sampled or
 *   not — most of tracing's cost per request (+0.3–0.45 ms in the gateway; bench/README, issue 14).
 * - fastify (@fastify/otel: a `request` and a handler span under the SERVER span, and with
 *   `OTEL_FASTIFY_HOOK_SPANS=true` a span per lifecycle hook): only when named in
 *   OTEL_NODE_ENABLED_INSTRUMENTATIONS, or with OTEL_FASTIFY_HOOK_SPANS=true while exporting. Every
 *   service runs ~10 hooks per request (request id, helmet, CORS, metrics, the rate limiter…): a span
 *   for each was most of a trace's spans and of what recording and exporting them cost.
 * - Every instrumentation is given the tracer provider (setTracerProvider): @fastify/otel resolves the
 *   CommonJS copy of @opentelemetry/api, whose own proxy provider the global one set here (from the ES
 *   module copy) never reaches; without it its spans went to a no-op tracer.
 */
import { redactSecretQuery, SECRET_QUERY_PARAMS } from './redact.ts';
import {
  chosenInstrumentations,
  fastifyHookSpans,
  type InstrumentationName,
  samplerSpec,
} from './telemetry-config.ts';

/** What this module needs of an instrumentation (each enables itself when constructed). */
interface Instrumentation {
  setTracerProvider(provider: unknown): void;
}

/** The npm packages the service's bundle imports, put here by scripts/build (esbuild `define`). */
declare const MERCATO_BUNDLED_PACKAGES: readonly string[] | undefined;

const env = (name: string) => process.env[name]?.trim() || undefined;
const list = (name: string) =>
  env(name)
    ?.split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

const disabled = env('OTEL_SDK_DISABLED')?.toLowerCase() === 'true';
if (!disabled) await startTelemetry();

async function startTelemetry(): Promise<void> {
  const exporting =
    Boolean(env('OTEL_EXPORTER_OTLP_ENDPOINT') ?? env('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')) &&
    env('OTEL_TRACES_EXPORTER')?.toLowerCase() !== 'none';
  const bundled = typeof MERCATO_BUNDLED_PACKAGES === 'undefined' ? undefined : MERCATO_BUNDLED_PACKAGES;
  const hookSpans = fastifyHookSpans(env('OTEL_FASTIFY_HOOK_SPANS'));
  const chosen = chosenInstrumentations(
    {
      enabled: list('OTEL_NODE_ENABLED_INSTRUMENTATIONS'),
      disabled: list('OTEL_NODE_DISABLED_INSTRUMENTATIONS'),
      fastifyHookSpans: hookSpans,
    },
    bundled,
    exporting,
  );
  const spec = samplerSpec(env('OTEL_TRACES_SAMPLER'), env('OTEL_TRACES_SAMPLER_ARG'), exporting);

  const [api, sdk, core, { AsyncLocalStorageContextManager }, resources] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/core'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/resources'),
  ]);

  // Instrumentations first: each patches its module when that is first imported, which is after this.
  // Constructed, each enables itself and traces through the global tracer provider set below.
  // Probes and scrapes every few seconds would drown the traces that matter.
  const quietPaths = new Set(['/healthz', '/readyz', '/livez', '/metrics']);
  // instrumentation-http's default list (signed cloud URLs), kept when we add ours (a list replaces it).
  const redacted = [
    'sig',
    'Signature',
    'AWSAccessKeyId',
    'X-Goog-Signature',
    'X-Amz-Signature',
    'X-Amz-Credential',
    'X-Amz-Security-Token',
    ...SECRET_QUERY_PARAMS,
  ];
  // The SERVER span of every request a Fastify app answers, and its context (server-spans.ts). First
  // to subscribe, so its hooks run first (@fastify/otel's, when loaded, then nest under its span).
  if (chosen.includes('http')) {
    const { traceFastifyRequests } = await import('./server-spans.ts');
    traceFastifyRequests({
      tracer: api.trace.getTracer('@mercato/kit'),
      quietPaths,
      redactUrl: redactSecretQuery,
    });
  }
  const make: Record<InstrumentationName, () => Promise<Instrumentation>> = {
    // Outgoing node:http requests only: the incoming side is the kit's own (server-spans.ts, above).
    http: async () => {
      const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
      return new HttpInstrumentation({
        disableIncomingRequestInstrumentation: true,
        redactedQueryParams: redacted,
      });
    },
    undici: async () => {
      const { UndiciInstrumentation } = await import('@opentelemetry/instrumentation-undici');
      return new UndiciInstrumentation({
        // fetch() spans have no redaction of their own: url.full and url.query are rewritten.
        requestHook: (span, request) => {
          if (!request.path.includes('?')) return;
          span.setAttribute('url.full', redactSecretQuery(`${request.origin}${request.path}`));
          span.setAttribute('url.query', redactSecretQuery(request.path).split('?')[1] ?? '');
        },
      });
    },
    fastify: async () => {
      const { FastifyOtelInstrumentation } = await import('@fastify/otel');
      return new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        instrumentHooks: hookSpans,
        ignorePaths: ({ url }: { url: string }) => quietPaths.has(url),
        // Its route span puts the whole request URL, query included, in url.path.
        requestHook: (span: { setAttribute(k: string, v: string): void }, request: { url: string }) => {
          if (request.url.includes('?')) span.setAttribute('url.path', redactSecretQuery(request.url));
        },
      } as never);
    },
    pg: async () => new (await import('@opentelemetry/instrumentation-pg')).PgInstrumentation(),
    amqplib: async () =>
      new (await import('@opentelemetry/instrumentation-amqplib')).AmqplibInstrumentation(),
    ioredis: async () =>
      new (await import('@opentelemetry/instrumentation-ioredis')).IORedisInstrumentation(),
  };
  const instrumentations = await Promise.all(chosen.map((name) => make[name]()));

  const root =
    'ratio' in spec
      ? new sdk.TraceIdRatioBasedSampler(spec.ratio)
      : spec.kind.endsWith('always_on')
        ? new sdk.AlwaysOnSampler()
        : new sdk.AlwaysOffSampler();
  const sampler = spec.kind.startsWith('parentbased_') ? new sdk.ParentBasedSampler({ root }) : root;

  const positive = (name: string) => {
    const n = Number(env(name));
    return Number.isFinite(n) && n > 0 ? n : undefined;
  };
  let spanProcessor: InstanceType<typeof sdk.BatchSpanProcessor> | InstanceType<typeof sdk.NoopSpanProcessor>;
  if (exporting) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    spanProcessor = new sdk.BatchSpanProcessor({
      exporter: new OTLPTraceExporter(),
      scheduledDelayMillis: positive('OTEL_BSP_SCHEDULE_DELAY'),
      maxExportBatchSize: positive('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
      maxQueueSize: positive('OTEL_BSP_MAX_QUEUE_SIZE'),
      exportTimeoutMillis: positive('OTEL_BSP_EXPORT_TIMEOUT'),
    });
  } else {
    spanProcessor = new sdk.NoopSpanProcessor();
  }

  const serviceName = env('OTEL_SERVICE_NAME') ?? env('SERVICE_NAME');
  // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME (envDetector), the host and the process.
  let resource = resources.defaultResource().merge(
    resources.detectResources({
      detectors: [
        resources.envDetector,
        resources.hostDetector,
        resources.osDetector,
        resources.processDetector,
      ],
    }),
  );
  if (serviceName)
    resource = resource.merge(resources.resourceFromAttributes({ 'service.name': serviceName }));

  const provider = new sdk.TracerProvider({ resource, sampler, spanProcessors: [spanProcessor] });
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(
    new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
    }),
  );
  api.trace.setGlobalTracerProvider(provider);
  // Given the provider itself: an instrumentation built on the CommonJS copy of @opentelemetry/api
  // (@fastify/otel) took its tracer from that copy's own proxy, which the global provider set here
  // through the ES module copy never reaches — its spans went nowhere (registerInstrumentations does
  // the same).
  for (const instrumentation of instrumentations) instrumentation.setTracerProvider(provider);

  // runService exits the process (close-with-grace) right after app.close(), so 'beforeExit' never
  // fires there: it flushes the last spans through this hook instead, without importing this module.
  (globalThis as Record<symbol, unknown>)[Symbol.for('mercato.telemetry.shutdown')] = () =>
    provider.shutdown();
  process.once('beforeExit', () => {
    void provider.shutdown();
  });
}
