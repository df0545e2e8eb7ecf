// The tracing knobs of instrument.ts, read from the environment: which instrumentations to load and
// which sampler to use. Apart from instrument.ts so they can be tested without starting telemetry.

export const INSTRUMENTATIONS = ['http', 'undici', 'fastify', 'pg', 'amqplib', 'ioredis'] as const;
export type InstrumentationName = (typeof INSTRUMENTATIONS)[number];

/** Which packages make an instrumentation worth loading (http and undici: every service). */
const NEEDS: Record<InstrumentationName, string[] | undefined> = {
  http: undefined,
  undici: undefined,
  fastify: ['fastify'],
  pg: ['pg', '@mikro-orm/postgresql'],
  amqplib: ['amqplib'],
  ioredis: ['ioredis'],
};

/**
 * The ones that carry the trace context across a process boundary (in: http, amqplib; out: undici,
 * amqplib). Without an exporter they are all that is loaded by default: they keep trace ids in the log
 * lines and pass the trace on, while fastify, pg and ioredis would only make spans nobody receives,
 * at a cost on every request, query and command.
 */
export const CONTEXT_CARRIERS: readonly InstrumentationName[] = ['http', 'undici', 'amqplib'];

/**
 * Loaded only when asked for (named in OTEL_NODE_ENABLED_INSTRUMENTATIONS, or OTEL_FASTIFY_HOOK_SPANS
 * for fastify). fastify (@fastify/otel): a `request` and a handler span under the request's SERVER
 * span, which `http` (the kit's server spans) already makes; with hook spans, one per Fastify hook.
 */
export const OPT_IN: readonly InstrumentationName[] = ['fastify'];

/**
 * The instrumentations to load, from the environment, what the bundle imports and whether spans are
 * exported (default: they are). OTEL_NODE_ENABLED_INSTRUMENTATIONS overrides the no-exporter default.
 */
export function chosenInstrumentations(
  environment: { enabled?: string[]; disabled?: string[]; fastifyHookSpans?: boolean },
  bundled: readonly string[] | undefined,
  exporting = true,
): InstrumentationName[] {
  return INSTRUMENTATIONS.filter((name) => {
    if (environment.enabled && !environment.enabled.includes(name)) return false;
    if (!environment.enabled && OPT_IN.includes(name)) {
      if (!(name === 'fastify' && environment.fastifyHookSpans)) return false;
    }
    if (!environment.enabled && !exporting && !CONTEXT_CARRIERS.includes(name)) return false;
    if (environment.disabled?.includes(name)) return false;
    const needs = NEEDS[name];
    return !bundled || !needs || needs.some((p) => bundled.includes(p));
  });
}

export type SamplerSpec =
  | { kind: 'always_on' | 'always_off' | 'parentbased_always_on' | 'parentbased_always_off' }
  | { kind: 'traceidratio' | 'parentbased_traceidratio'; ratio: number };

/** OTEL_TRACES_SAMPLER(_ARG) as the specification reads them; unknown values fall back to the default. */
export function samplerSpec(
  name: string | undefined,
  arg: string | undefined,
  exporting: boolean,
): SamplerSpec {
  const fallback: SamplerSpec = { kind: exporting ? 'parentbased_always_on' : 'parentbased_always_off' };
  switch (name?.toLowerCase()) {
    case undefined:
      return fallback;
    case 'always_on':
    case 'always_off':
    case 'parentbased_always_on':
    case 'parentbased_always_off':
      return { kind: name.toLowerCase() as 'always_on' };
    case 'traceidratio':
    case 'parentbased_traceidratio': {
      const ratio = arg === undefined ? 1 : Number(arg);
      return {
        kind: name.toLowerCase() as 'traceidratio',
        ratio: Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 ? ratio : 1,
      };
    }
    default:
      process.stderr.write(`instrument: unknown OTEL_TRACES_SAMPLER "${name}", using ${fallback.kind}\n`);
      return fallback;
  }
}

/** OTEL_FASTIFY_HOOK_SPANS: a span per Fastify lifecycle hook only when it says `true` (default off). */
export function fastifyHookSpans(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}
