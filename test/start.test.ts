// `npm start` without its infrastructure: it must say what is missing and how to start it, start
// nothing, and exit 1. And a service that dies once the system runs is started again, while the rest
// keeps running. (The full start is not tested here: it needs the fixed ports 3001-3099 and 8080,
// which a developer's running system or another test run may hold; START_SERVICES and
// START_PORT_OFFSET run one service on a free port instead.)
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import t from 'tap';

const ROOT = join(import.meta.dirname, '..');

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function runStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

t.test('Redis and RabbitMQ not answering: names them, says how to start them, exits 1', async (t) => {
  const { code, output } = await runStart({
    REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
    AMQP_URL: `amqp://guest:guest@127.0.0.1:${await closedPort()}`,
  });
  t.equal(code, 1);
  t.match(output, /Redis does not answer on 127\.0\.0\.1:\d+/);
  t.match(output, /redis-server/);
  t.match(output, /RabbitMQ does not answer/);
  t.match(output, /rabbitmq-server/);
  t.notMatch(output, /PostgreSQL does not answer/, 'PostgreSQL, which answers, is not blamed');
  t.notMatch(output, /Starting/, 'no service was started');
});

/** Resolves with the first match of `pattern` in the output so far or to come (rejects on exit). */
function waitForOutput(child: ChildProcess, read: () => string, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = read().match(pattern);
      if (!match) return false;
      cleanup();
      resolve(match);
      return true;
    };
    const onExit = () => {
      if (check()) return;
      cleanup();
      reject(new Error(`start exited before printing ${pattern}:\n${read()}`));
    };
    const cleanup = () => {
      child.stdout?.off('data', check);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

t.test('a service that is killed is started again; Ctrl-C still stops everything', async (t) => {
  const port = await closedPort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NO_COLOR: '1',
      START_SERVICES: 'fake-payment-provider',
      START_PORT_OFFSET: String(port - 3099),
    },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const read = () => output;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });

  const [, firstPid] = await waitForOutput(child, read, /fake-payment-provider started \(pid (\d+)\)/);
  await waitForOutput(child, read, /running \(no gateway/);
  process.kill(Number(firstPid), 'SIGKILL');

  await waitForOutput(
    child,
    read,
    /fake-payment-provider stopped unexpectedly \(killed by SIGKILL.*restarting it in 1 s/,
  );
  const [, secondPid] = await waitForOutput(
    child,
    read,
    new RegExp(`fake-payment-provider started \\(pid (?!${firstPid}\\))(\\d+)\\)`),
  );
  await waitForOutput(child, read, /fake-payment-provider is ready again \(restart 1\)/);
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  t.equal(health.status, 200, 'the restarted service answers /healthz');
  t.not(secondPid, firstPid, 'a new process');
  t.notMatch(output, /stopping every service/, 'the death stopped nothing else');

  child.kill('SIGTERM');
  t.equal(await exited, 0, 'SIGTERM stops start, exit 0');
  t.match(output, /all stopped/);
  t.throws(() => process.kill(Number(secondPid), 0), 'the restarted service is stopped too');
});
