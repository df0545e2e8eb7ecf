// `npm start` without its infrastructure: it must say what is missing and how to start it, start
// nothing, and exit 1. (The full start is not tested here: it needs the fixed ports 3001-3099 and
// 8080, which a developer's running system or another test run may hold.)
import { spawn } from 'node:child_process';
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
