// The tracing knobs of instrument.ts: the off-switch, the sampler from OTEL_TRACES_SAMPLER(_ARG),
// which instrumentations are loaded.
import { spawn } from 'node:child_process';
import t from 'tap';
import { chosenInstrumentations, fastifyHookSpans, samplerSpec } from '../src/telemetry-config.ts';

/** Runs the state fixture under the instrument module with `env`; resolves with what it printed. */
function telemetryState(env: Record<string, string>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        new URL('../src/instrument.ts', import.meta.url).pathname,
        new URL('./fixtures/telemetry-state.ts', import.meta.url).pathname,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_TRACES_SAMPLER: '', ...env },
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`exit ${code}: ${err}`));
      resolve(JSON.parse(out.trim()));
    });
  });
}

t.test('OTEL_SDK_DISABLED=true: no tracer provider, no hook, no OpenTelemetry package loaded', async (t) => {
  const off = await telemetryState({ OTEL_SDK_DISABLED: 'true' });
  t.match(off, {
    provider: 'NoopTracerProvider',
    shutdownHook: 'undefined',
    recording: false,
    traceparent: null,
  });
  t.equal(off.otelCjsModulesLoaded, 0);
  const on = await telemetryState({});
  t.match(on, { provider: /^TracerProvider/, shutdownHook: 'function' });
  // Without an exporter only http, undici and amqplib load (ESM, not in require.cache): ask for all.
  const all = await telemetryState({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici,fastify,pg' });
  t.ok((all.otelCjsModulesLoaded as number) > 0, 'switched on, the SDK is loaded');
  t.match(on.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/, 'ids minted and passed on');
});

t.test('sampling: parent-based always-off without an exporter; the env vars choose', async (t) => {
  const quiet = await telemetryState({});
  t.match(quiet, { sampled: false, recording: false }, 'nothing exported: nothing recorded');
  const all = await telemetryState({ OTEL_TRACES_SAMPLER: 'parentbased_always_on' });
  t.match(all, { sampled: true, recording: true });
  const none = await telemetryState({
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0',
  });
  t.match(none, { sampled: false, recording: false });
  const every = await telemetryState({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1' });
  t.match(every, { sampled: true });
});

t.test('samplerSpec reads the specification values', async (t) => {
  t.same(samplerSpec(undefined, undefined, true), { kind: 'parentbased_always_on' });
  t.same(samplerSpec(undefined, undefined, false), { kind: 'parentbased_always_off' });
  t.same(samplerSpec('parentbased_traceidratio', '0.25', true), {
    kind: 'parentbased_traceidratio',
    ratio: 0.25,
  });
  t.same(samplerSpec('TraceIdRatio', undefined, true), { kind: 'traceidratio', ratio: 1 });
  t.same(samplerSpec('traceidratio', '7', true), { kind: 'traceidratio', ratio: 1 }, 'out of range: 1');
  t.same(samplerSpec('always_off', undefined, true), { kind: 'always_off' });
});

t.test('instrumentations: only those of packages the bundle uses, and as the env vars say', async (t) => {
  const gateway = ['fastify', 'ioredis', '@fastify/reply-from'];
  t.same(chosenInstrumentations({}, gateway), ['http', 'undici', 'ioredis']);
  const orders = ['fastify', 'ioredis', 'amqplib', '@mikro-orm/postgresql'];
  t.same(chosenInstrumentations({}, orders), ['http', 'undici', 'pg', 'amqplib', 'ioredis']);
  t.same(
    chosenInstrumentations({}, undefined),
    ['http', 'undici', 'pg', 'amqplib', 'ioredis'],
    'from the sources: all but the opt-in ones',
  );
  t.same(chosenInstrumentations({ disabled: ['pg', 'ioredis'] }, orders), ['http', 'undici', 'amqplib']);
  t.same(chosenInstrumentations({ enabled: ['http', 'amqplib'] }, orders), ['http', 'amqplib']);
});

t.test("fastify (@fastify/otel) only when asked for: the kit's server spans cover the request", async (t) => {
  const orders = ['fastify', 'ioredis', 'amqplib', '@mikro-orm/postgresql'];
  t.same(chosenInstrumentations({ enabled: ['http', 'fastify'] }, orders), ['http', 'fastify']);
  t.same(chosenInstrumentations({ fastifyHookSpans: true }, orders), [
    'http',
    'undici',
    'fastify',
    'pg',
    'amqplib',
    'ioredis',
  ]);
  t.same(
    chosenInstrumentations({ fastifyHookSpans: true }, orders, false),
    ['http', 'undici', 'amqplib'],
    'nor then without an exporter',
  );
  t.same(chosenInstrumentations({ fastifyHookSpans: true }, ['ioredis']), ['http', 'undici', 'ioredis']);
});

t.test('without an exporter: only the instrumentations that carry the trace context', async (t) => {
  const orders = ['fastify', 'ioredis', 'amqplib', '@mikro-orm/postgresql'];
  t.same(chosenInstrumentations({}, orders, false), ['http', 'undici', 'amqplib']);
  t.same(chosenInstrumentations({}, ['fastify', 'ioredis'], false), ['http', 'undici'], 'the gateway');
  t.same(
    chosenInstrumentations({ enabled: ['http', 'pg'] }, orders, false),
    ['http', 'pg'],
    'an explicit list is kept',
  );
  t.same(chosenInstrumentations({ disabled: ['undici'] }, orders, false), ['http', 'amqplib']);
});

t.test('OTEL_FASTIFY_HOOK_SPANS: hook spans only when it says true', async (t) => {
  t.equal(fastifyHookSpans(undefined), false);
  t.equal(fastifyHookSpans('false'), false);
  t.equal(fastifyHookSpans('1'), false);
  t.equal(fastifyHookSpans(' TRUE '), true);
});
