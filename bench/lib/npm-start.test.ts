// bench/lib's before/after machinery: the process tree a run's CPU is read from, the tracing export
// settings, the span sink, and a checkout's `npm start` on a run's own database, vhost and ports
// (a stand-in checkout whose start behaves as scripts/start.ts does: announces, runs, stops).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TEST_DATABASE_URL } from '@mercato/testing';
import pg from 'pg';
import t from 'tap';
import { BASE_PORTS, processTree, START_ADMIN, startCheckout } from './npm-start.ts';
import { exportEnv, startSpanSink } from './span-sink.ts';

t.test('processTree names every descendant after its nearest announced ancestor', async (t) => {
  const parents = new Map([
    [1, 0],
    [10, 1],
    [11, 1],
    [12, 10],
    [13, 12],
    [20, 1],
    [99, 5],
  ]);
  const named = new Map([
    [10, 'identity'],
    [11, 'gateway'],
  ]);
  const tree = processTree(1, 'start', named, parents);
  t.same(
    [...tree].sort((a, b) => a.pid - b.pid),
    [
      { name: 'start', pid: 1 },
      { name: 'identity', pid: 10 },
      { name: 'gateway', pid: 11 },
      { name: 'identity', pid: 12 },
      { name: 'identity', pid: 13 },
      { name: 'start', pid: 20 },
    ],
  );
  t.same(processTree(7, 'start', named, parents), [], 'a start that is gone has no processes');
});

t.test('exportEnv: the chart default sampler for export, a ratio for export-<N>', async (t) => {
  t.same(exportEnv('export', 'http://sink'), { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://sink' });
  t.same(exportEnv('export-10', 'http://sink'), {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://sink',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.1',
  });
  t.same(exportEnv('export-100', 'http://sink'), {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://sink',
    OTEL_TRACES_SAMPLER: 'parentbased_always_on',
  });
  t.equal(exportEnv('shipped', 'http://sink'), undefined);
  t.equal(exportEnv('export-x', 'http://sink'), undefined);
});

t.test('the span sink counts the spans of an export, even split across chunks', async (t) => {
  const sink = await startSpanSink();
  t.teardown(() => {
    sink.child.kill();
  });
  const body = JSON.stringify({ spans: [{ spanId: 'a' }, { spanId: 'b' }, { spanId: 'c' }] });
  // A body streamed in two pieces cut inside the second "spanId".
  const cut = body.indexOf('"spanId"', body.indexOf('"spanId"') + 1) + 4;
  const stream = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(body.slice(0, cut)));
      controller.enqueue(new TextEncoder().encode(body.slice(cut)));
      controller.close();
    },
  });
  const res = await fetch(`${sink.url}/v1/traces`, {
    method: 'POST',
    body: stream,
    duplex: 'half',
  } as RequestInit);
  t.equal(res.status, 200);
  t.same(await sink.stats(), { spans: 3, requests: 1, bytes: Buffer.byteLength(body) });
});

/** A checkout whose `npm start` announces one service (a child of its own) as start.ts does. */
function fakeCheckout(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'fake-checkout-'));
  writeFileSync(
    path.join(root, 'package.json'),
    JSON.stringify({ scripts: { start: 'node fake-start.mjs' } }),
  );
  writeFileSync(
    path.join(root, 'fake-start.mjs'),
    `
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
writeFileSync('env.json', JSON.stringify(process.env));
const service = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore', detached: true });
console.log('[start] identity started (pid ' + service.pid + ')');
console.log('[start] Mercato is running. API: http://localhost:' + process.env.GATEWAY_PORT);
process.on('SIGTERM', () => { process.kill(-service.pid, 'SIGTERM'); process.exit(0); });
setInterval(() => {}, 1000);
`,
  );
  return root;
}

t.test("startCheckout runs a checkout's npm start on its own database, vhost and ports", async (t) => {
  const root = fakeCheckout();
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const run = await startCheckout(root, { env: { EXTRA: 'yes', OTEL_SDK_DISABLED: 'true' }, label: 'test' });
  let stopped = false;
  t.teardown(async () => {
    if (!stopped) await run.stop();
  });
  const env = JSON.parse(readFileSync(path.join(root, 'env.json'), 'utf8'));
  const offset = Number(env.START_PORT_OFFSET);
  t.ok(offset > 0, 'a port offset of its own');
  t.equal(run.urls.identity, `http://127.0.0.1:${BASE_PORTS.identity! + offset}`);
  t.equal(run.gatewayUrl, `http://127.0.0.1:${env.GATEWAY_PORT}`);
  t.equal(env.DATABASE_URL, run.databaseUrl);
  t.equal(env.AMQP_URL, run.amqpUrl);
  t.equal(env.MERCATO_ADMIN_EMAIL, START_ADMIN.email);
  t.equal(env.EXTRA, 'yes');
  t.equal(env.OTEL_SDK_DISABLED, 'true', "the run's own settings reach start");

  const database = new URL(run.databaseUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  t.teardown(() => admin.end());
  const exists = async () =>
    (await admin.query('select 1 from pg_database where datname = $1', [database])).rowCount === 1;
  t.ok(await exists(), 'a database of its own while it runs');

  const processes = run.processes();
  t.same(
    processes.map((p) => p.name),
    ['start', 'identity'],
    'start and the service it announced, by name',
  );
  const servicePid = processes[1]!.pid;
  await run.stop();
  stopped = true;
  t.notOk(await exists(), 'the database is dropped once stopped');
  const alive = () => {
    try {
      process.kill(servicePid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
  t.notOk(alive(), 'the service is stopped with start');
});
