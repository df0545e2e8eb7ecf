import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { bufferedDestination, LOG_BATCH_BYTES } from '../src/log-destination.ts';

t.test('lines are written by the batch, and a line alone still goes out soon', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'log-destination-'));
  const file = join(dir, 'out.log');
  // Not closed in a teardown: the destination's flush timer may still write to it (EBADF would crash
  // the test process); the descriptor goes with the process.
  const fd = openSync(file, 'w');
  const destination = bufferedDestination(fd, 20);
  destination.write('{"msg":"first"}\n');
  destination.write('{"msg":"second"}\n');
  t.equal(readFileSync(file, 'utf8'), '', 'held while the batch is short of LOG_BATCH_BYTES');

  // No timing asserted: the test waits for the lines, however long the flush takes.
  while (readFileSync(file, 'utf8') === '') await new Promise((r) => setTimeout(r, 10));
  t.equal(readFileSync(file, 'utf8'), '{"msg":"first"}\n{"msg":"second"}\n', 'both, in order');

  const long = `{"msg":"${'x'.repeat(LOG_BATCH_BYTES)}"}\n`;
  destination.write(long);
  while (readFileSync(file, 'utf8').length < 33 + long.length) await new Promise((r) => setImmediate(r));
  t.pass('a full batch is written without waiting for the flush');
});

t.test('the exit writes what the batch held; a hard kill loses it', async (t) => {
  const run = async (how: 'exit' | 'kill') => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', new URL('./fixtures/buffered-exit.ts', import.meta.url).pathname, how],
      // stderr piped, not inherited: a child that outlived the test must not hold the runner's output open.
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // A child that never ends fails the test instead of outliving it.
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    t.teardown(() => {
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    await once(child, 'close');
    if (err) t.comment(`fixture (${how}) stderr: ${err.trim()}`);
    return out;
  };
  // The periodic flush is a minute away in the fixture: only the exit hook can write these lines.
  t.equal(await run('exit'), '{"i":1}\n{"i":2}\n{"i":3}\n', 'process.exit flushes the buffer');
  t.equal(await run('kill'), '', 'without the exit hook the lines are lost (the test can fail)');
});

t.test('a graceful stop loses no line: the buffer is flushed as the process exits', async (t) => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./fixtures/logging-server.ts', import.meta.url).pathname],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  let err = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
      const m = /listening (\d+)/.exec(err);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`child exited early: ${err}`)));
  });

  // One quiet line reaches stdout while the process runs (the periodic flush).
  await fetch(`http://127.0.0.1:${port}/log?n=1&text=quiet`);
  while (!out.includes('"msg":"quiet"')) await new Promise((r) => setTimeout(r, 20));
  t.pass('a lone line is written without an exit');

  const res = await fetch(`http://127.0.0.1:${port}/log?n=7&text=burst`);
  t.same(await res.json(), { logged: 7 });
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  t.equal(code, 0);
  const lines = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string; i?: number });
  t.same(
    lines.filter((l) => l.msg === 'burst').map((l) => l.i),
    [1, 2, 3, 4, 5, 6, 7],
    'every line written before the stop is on stdout',
  );
  t.ok(
    lines.some((l) => l.msg === 'shutting down'),
    'down to the line logged while shutting down',
  );
});
