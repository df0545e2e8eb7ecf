import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
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
});
