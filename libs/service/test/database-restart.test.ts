// A PostgreSQL restart (a real one, of a server of this test's own: the shared one is never
// stopped) under a running service: the process rides it out, /readyz says 503 while the database is
// gone and 200 after, a request during the outage is a 503 problem+json with Retry-After (not a 500),
// outbox events written before and after are relayed, and a consumer's handler cut short by the
// restart is retried until the database is back — never dead-lettered, although the outage outlasts
// the consumer's retries many times over.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Broker, envelope } from '@mercato/messaging';
import {
  eventually,
  publishEvents,
  startPrivatePostgres,
  TEST_AMQP_URL,
  tapExchange,
  uniqueName,
} from '@mercato/testing';
import amqp from 'amqplib';
import t from 'tap';
import { PING } from './helpers.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'db-restart-service.ts');

async function messageCount(queue: string): Promise<number> {
  const conn = await amqp.connect(TEST_AMQP_URL);
  try {
    const ch = await conn.createChannel();
    return (await ch.checkQueue(queue)).messageCount;
  } finally {
    await conn.close();
  }
}

function startService(env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`the service exited:\n${output}`);
      const match = output.match(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/);
      if (!match) throw new Error('not listening yet');
      return match[1]!;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  return { child, url, exited, output: () => output };
}

t.test('a service rides out a restart of its PostgreSQL server', async (t) => {
  const pg = await startPrivatePostgres();
  t.teardown(() => pg.stop());
  const exchange = uniqueName('t_dbrestart');
  t.teardown(async () => {
    const admin = await Broker.connect({ url: TEST_AMQP_URL, exchange });
    await admin.deleteTopology();
    await admin.close();
  });
  const events = await tapExchange(exchange, { t });

  const service = startService({ DATABASE_URL: pg.url, AMQP_URL: TEST_AMQP_URL, AMQP_EXCHANGE: exchange });
  t.teardown(async () => {
    if (!t.passing()) t.comment(`the service's output:\n${service.output()}`);
    if (service.child.exitCode === null) {
      service.child.kill('SIGKILL');
      await service.exited;
    }
  });
  const base = await service.url;
  const http = (path: string, init?: RequestInit) => fetch(`${base}${path}`, init);
  const post = (path: string, body: unknown) =>
    http(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const handlerState = async () =>
    (await (await http('/test/handler')).json()) as { holding: boolean; attempts: Record<string, number> };
  const relayed = (id: string) =>
    eventually(async () => {
      if (!events.received.some((e) => e.data?.text === `note:${id}`))
        throw new Error(`note ${id} not relayed`);
    });

  t.equal((await http('/readyz')).status, 200, 'ready before');
  t.equal((await post('/notes', { id: 'before', text: 'written before the restart' })).status, 200);
  await relayed('before');

  // A handler holds its transaction open while the server goes down under it.
  await publishEvents(exchange, [envelope(PING, { n: 1, text: 'hold' }, { source: 'test' })]);
  await eventually(async () => {
    if (!(await handlerState()).holding) throw new Error('not holding yet');
  });

  const restarted = pg.restart({ downMs: 3_000 });
  await eventually(
    async () => {
      if ((await http('/readyz')).status !== 503) throw new Error('still ready');
    },
    { intervalMs: 100 },
  );
  t.pass('/readyz is 503 while the database is down');
  const during = await http('/notes/before');
  t.equal(during.status, 503, 'a request during the outage: 503, not 500');
  t.match(during.headers.get('content-type'), /application\/problem\+json/);
  t.ok(Number(during.headers.get('retry-after')) > 0, 'with Retry-After');
  t.match(await during.json(), { type: 'https://mercato.dev/problems/service-unavailable', status: 503 });
  // The held handler goes on: its statement fails on the terminated connection. And an event that
  // arrives while the database is down fails too, repeatedly.
  await post('/test/release', {});
  await publishEvents(exchange, [envelope(PING, { n: 2, text: 'during' }, { source: 'test' })]);
  await restarted;

  await eventually(
    async () => {
      if ((await http('/readyz')).status !== 200) throw new Error('not ready yet');
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  t.pass('/readyz is 200 again once the database is back');
  t.equal((await post('/notes', { id: 'after', text: 'written after the restart' })).status, 200);
  await relayed('after');
  for (const text of ['hold', 'during']) {
    await eventually(
      async () => {
        const res = await http(`/notes/handled:${text}`);
        if (res.status !== 200) throw new Error(`${text}: ${res.status}`);
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  }
  const { attempts } = await handlerState();
  t.ok(attempts.hold >= 2, `the handler cut short by the restart ran again (${attempts.hold} attempts)`);
  t.ok(attempts.during >= 1, `the event that arrived during the outage was handled (${attempts.during})`);
  t.equal(await messageCount(`${exchange}.restart.ping.dlq`), 0, 'nothing dead-lettered');

  t.equal(service.child.exitCode, null, 'the process did not exit');
  t.notMatch(service.output(), /"level":"fatal"|fatal error, shutting down/, 'nothing fatal was logged');
  t.match(service.output(), /"level":"warn".*database unavailable/, 'the outage is logged as a warning');
  service.child.kill('SIGTERM');
  t.equal(await service.exited, 0, 'and it still shuts down cleanly');
});
