import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';

/** Starts the fixture service as `node --import tsx --import instrument.ts`; resolves its port. */
async function startTraced(t: { teardown(fn: () => unknown): void }, env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      new URL('../src/instrument.ts', import.meta.url).pathname,
      new URL('./fixtures/traced-server.ts', import.meta.url).pathname,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SERVICE_NAME: 'traced-svc', ...env } },
  );
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    output.stdout += c;
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      output.stderr += c;
      const m = /listening (\d+)/.exec(output.stderr);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`child exited early: ${output.stderr}`)));
  });
  const stop = async () => {
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    return code as number;
  };
  return { port, output, stop };
}

/** An OTLP/HTTP collector that keeps every request as '<path> <body as latin1>'. */
async function startCollector(t: { teardown(fn: () => unknown): void }) {
  const received: string[] = [];
  const collector = createServer((req, res) => {
    let body = '';
    req.setEncoding('latin1').on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      received.push(`${req.url} ${body}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => collector.close(resolve)));
  return { received, endpoint: `http://127.0.0.1:${(collector.address() as AddressInfo).port}` };
}

t.test('with instrument.ts loaded, log lines carry the request id and the trace id', async (t) => {
  // No exporter configured: spans are made but nothing is sent anywhere.
  const { port, output, stop } = await startTraced(t, { OTEL_EXPORTER_OTLP_ENDPOINT: '' });

  // An upstream (the gateway) already started the trace: this service must continue it.
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const res = await fetch(`http://127.0.0.1:${port}/hello`, {
    headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-request-id': 'req-traced-1' },
  });
  t.equal(res.status, 200);
  t.equal(await stop(), 0);

  const lines = output.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const handlerLine = lines.find((l) => l.msg === 'inside the handler');
  t.match(handlerLine, { reqId: 'req-traced-1', traceId, service: 'traced', level: 'info' });
  t.match(handlerLine?.spanId, /^[0-9a-f]{16}$/);
  const completed = lines.find((l) => l.msg === 'request completed');
  t.match(completed, { reqId: 'req-traced-1', traceId });
  t.notMatch(output.stderr, /ECONNREFUSED|export/i, 'no exporter errors without an endpoint');
});

t.test(
  'with OTEL_EXPORTER_OTLP_ENDPOINT set, spans are exported over OTLP/HTTP (flushed at shutdown)',
  async (t) => {
    const { received, endpoint } = await startCollector(t);

    const { port, stop } = await startTraced(t, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
    const res = await fetch(`http://127.0.0.1:${port}/hello`);
    t.equal(res.status, 200);
    t.equal(await stop(), 0);
    const traces = received.filter((r) => r.startsWith('/v1/traces'));
    t.ok(traces.length > 0, 'the collector received spans');
    t.match(traces.join('\n'), /traced-svc/, 'tagged with the service name');
  },
);

t.test('a credential in a query string reaches neither the trace nor the log', async (t) => {
  const { received, endpoint } = await startCollector(t);

  const { port, output, stop } = await startTraced(t, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
  const secret = 'S3cretCapabilityToken0123456789abcdef';
  // In: the server span of /relay; out: the fetch span to /hello; in again: the server span of /hello.
  const res = await fetch(`http://127.0.0.1:${port}/relay?lang=de&token=${secret}`);
  t.same(await res.json(), { relayed: 200 });
  t.equal(await stop(), 0);
  const traces = received.filter((r) => r.startsWith('/v1/traces')).join('\n');
  t.match(traces, /\/relay/, 'the incoming request was traced');
  t.match(traces, /\/hello/, 'the outgoing one too');
  t.match(traces, /lang=de/, 'other query parameters are kept');
  t.notMatch(traces, secret, 'the token is in no span');
  t.notMatch(output.stdout, secret, 'nor in any log line');

  // One trace across the hop: /relay's SERVER span → the fetch's CLIENT span → /hello's SERVER span.
  const spans = exportedSpans(received);
  const relay = spans.find((s) => s.name === 'GET /relay');
  const fetchSpan = spans.find((s) => s.scope === '@opentelemetry/instrumentation-undici');
  const hello = spans.find((s) => s.name === 'GET /hello');
  t.equal(fetchSpan?.parentSpanId, relay?.spanId, 'the fetch is a child of the incoming request');
  t.equal(hello?.parentSpanId, fetchSpan?.spanId, 'the called request continues the fetch');
  t.equal(hello?.traceId, relay?.traceId);
});

interface ExportedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  status?: { code?: number };
  events?: { name: string }[];
  attributes: { key: string; value: Record<string, unknown> }[];
  scope: string;
}

/** The spans in the collector's OTLP/HTTP JSON requests. */
function exportedSpans(received: string[]): ExportedSpan[] {
  type Body = {
    resourceSpans: { scopeSpans: { scope: { name: string }; spans: Omit<ExportedSpan, 'scope'>[] }[] }[];
  };
  return received
    .filter((r) => r.startsWith('/v1/traces'))
    .flatMap((r) => (JSON.parse(r.slice(r.indexOf(' ') + 1)) as Body).resourceSpans)
    .flatMap((rs) => rs.scopeSpans)
    .flatMap((ss) => ss.spans.map((s) => ({ ...s, scope: ss.scope.name })));
}

const attribute = (span: ExportedSpan | undefined, key: string) =>
  Object.values(span?.attributes.find((a) => a.key === key)?.value ?? {})[0];

const SERVER = 2;
const STATUS_ERROR = 2;

t.test('a sampled request has one SERVER span, named after its route, a child of the caller', async (t) => {
  const { received, endpoint } = await startCollector(t);
  const { port, output, stop } = await startTraced(t, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });

  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const res = await fetch(`http://127.0.0.1:${port}/hello`, {
    headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
  });
  t.equal(res.status, 200);
  const posted = await fetch(`http://127.0.0.1:${port}/echo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ n: 1 }),
  });
  t.same(await posted.json(), { n: 1 });
  t.equal((await fetch(`http://127.0.0.1:${port}/fails`)).status, 500);
  t.equal(await stop(), 0);

  const spans = exportedSpans(received);
  const hello = spans.filter((s) => s.kind === SERVER && attribute(s, 'url.path') === '/hello');
  t.equal(hello.length, 1, 'one SERVER span for the request, not one per instrumentation');
  t.match(hello[0], { name: 'GET /hello', traceId, parentSpanId: 'b7ad6b7169203331', scope: '@mercato/kit' });
  t.equal(attribute(hello[0], 'http.route'), '/hello');
  t.equal(attribute(hello[0], 'http.response.status_code'), 200);
  t.notOk(
    spans.some((s) => s.scope === '@opentelemetry/instrumentation-http'),
    "instrumentation-http's incoming side is off",
  );

  // The body was read after the first hooks, in the socket's callbacks: the handler is still inside.
  const post = spans.find((s) => s.name === 'POST /echo');
  t.ok(post, 'the POST has its span');
  const lines = output.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  t.match(
    lines.find((l) => l.msg === 'inside the post handler'),
    {
      traceId: post?.traceId,
      spanId: post?.spanId,
    },
  );

  const fails = spans.find((s) => s.name === 'GET /fails');
  t.equal(attribute(fails, 'http.response.status_code'), 500);
  t.equal(fails?.status?.code, STATUS_ERROR, 'a 5xx is an error');
  t.ok(
    fails?.events?.some((e) => e.name === 'exception'),
    'with the exception recorded',
  );
});

t.test("a caller's unsampled trace records nothing, and is still passed on and logged", async (t) => {
  const { received, endpoint } = await startCollector(t);
  const { port, output, stop } = await startTraced(t, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });

  const traceId = '5e0c63257de34c92bf9efcd03927272e';
  // /relay calls /hello: the fetch passes the trace on, /hello continues it, unsampled throughout.
  const res = await fetch(`http://127.0.0.1:${port}/relay`, {
    headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-00` },
  });
  t.same(await res.json(), { relayed: 200 });
  t.equal(await stop(), 0);

  t.same(exportedSpans(received), [], 'no span recorded');
  const lines = output.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const hello = lines.find((l) => l.msg === 'inside the handler');
  t.equal(hello?.traceId, traceId, 'the called request continues the trace');
  const completed = lines.filter((l) => l.msg === 'request completed');
  t.equal(completed.length, 2);
  for (const line of completed) t.equal(line.traceId, traceId);
});

t.test(
  'a body that arrives later, and an answer streamed from a pooled socket, keep their trace',
  async (t) => {
    const { port, output, stop } = await startTraced(t, { OTEL_EXPORTER_OTLP_ENDPOINT: '' });
    const traceIds = ['11111111111111111111111111111111', '22222222222222222222222222222222'];
    for (const traceId of traceIds) {
      const res = await fetch(`http://127.0.0.1:${port}/proxy`, {
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-request-id': `proxy-${traceId}` },
      });
      t.same(await res.json(), { ok: true });
    }
    // The body's second half comes in a later packet, read outside the request's callbacks.
    const bodyTrace = '33333333333333333333333333333333';
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          port,
          host: '127.0.0.1',
          method: 'POST',
          path: '/echo',
          headers: { 'content-type': 'application/json', traceparent: `00-${bodyTrace}-00f067aa0ba902b7-01` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write('{"n":');
      setTimeout(() => req.end('2}'), 200);
    });
    t.equal(status, 200);
    t.equal(await stop(), 0);

    const lines = output.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const traceId of traceIds) {
      const completed = lines.find((l) => l.msg === 'request completed' && l.reqId === `proxy-${traceId}`);
      t.equal(completed?.traceId, traceId, 'the streamed answer is logged in its own trace');
    }
    t.equal(lines.find((l) => l.msg === 'inside the post handler')?.traceId, bodyTrace);
  },
);

t.test("asked for, @fastify/otel's spans are exported too, under the request's SERVER span", async (t) => {
  // It takes its tracer from the CommonJS copy of @opentelemetry/api: given the provider explicitly
  // (setTracerProvider), its spans are recorded; before, under tsx, they went to a no-op tracer.
  const { received, endpoint } = await startCollector(t);
  const { port, stop } = await startTraced(t, {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,fastify',
  });
  t.equal((await fetch(`http://127.0.0.1:${port}/hello`)).status, 200);
  t.equal(await stop(), 0);

  const spans = exportedSpans(received);
  const server = spans.find((s) => s.name === 'GET /hello');
  const request = spans.find((s) => s.scope === '@fastify/otel' && s.name === 'request');
  t.ok(server && request, 'both spans exported');
  t.equal(request?.traceId, server?.traceId);
  t.equal(request?.parentSpanId, server?.spanId, 'nested under the SERVER span');
});
