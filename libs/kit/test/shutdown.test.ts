import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { createService } from '../src/index.ts';

t.test('app.close() lets a request in flight finish, then runs onClose hooks', async (t) => {
  const app = await createService({ name: 'shutdown-test', logLevel: 'silent' });
  const events: string[] = [];
  app.get('/slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    events.push('handler done');
    return { done: true };
  });
  app.addHook('onClose', async () => {
    events.push('onClose');
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;

  const inFlight = fetch(`http://127.0.0.1:${port}/slow`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const closed = app.close();
  const res = await inFlight;
  t.equal(res.status, 200);
  t.same(await res.json(), { done: true });
  await closed;
  t.same(events, ['handler done', 'onClose'], 'hooks ran after the request finished');
  await t.rejects(fetch(`http://127.0.0.1:${port}/slow`), 'no new connections after close');
});

t.test('a request arriving while the app closes gets a 503 problem', async (t) => {
  const app = await createService({ name: 'shutdown-test', logLevel: 'silent' });
  app.get('/ping', async () => ({ pong: true }));
  // Holds close() open before the listener stops, like a slow consumer shutdown would.
  app.addHook('preClose', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const closed = app.close();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const late = await fetch(`http://127.0.0.1:${port}/ping`);
  t.equal(late.status, 503);
  t.match(late.headers.get('content-type'), /^application\/problem\+json/);
  t.equal(late.headers.get('connection'), 'close');
  t.match(await late.json(), { type: 'https://mercato.dev/problems/service-unavailable' });
  await closed;
});

t.test('runService: SIGTERM finishes the in-flight request, closes, exits 0', async (t) => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./fixtures/slow-server.ts', import.meta.url).pathname],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`child exited early: ${out}`)));
  });

  const inFlight = fetch(`http://127.0.0.1:${port}/slow`);
  await new Promise((resolve) => setTimeout(resolve, 150));
  child.kill('SIGTERM');
  const res = await inFlight;
  t.equal(res.status, 200, 'the in-flight request got its answer');
  t.same(await res.json(), { done: true });
  const [code] = await once(child, 'exit');
  t.equal(code, 0, 'clean exit');
  t.match(out, /onClose/, 'the onClose hooks ran');
});
