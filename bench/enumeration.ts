// `npm run bench:enumeration`: does POST /auth/password-reset take longer for an address that is
// registered than for one that is not? Starts identity on a schema of its own (real PostgreSQL,
// RabbitMQ, Redis; nothing else), then times alternating pairs of requests — a registered and an
// unknown address — and prints the medians and how often the registered one was the slower of its
// pair. Equal work gives medians within noise and about 50 %. Timings are printed, never asserted:
// the tests prove that both paths run the same code (services/identity/test/password-reset.test.ts).
// POST /auth/register is not measured any more: it answers a taken address with 409 (issue 11: the
// answer carries a login, so it cannot look alike for new and taken addresses), which says more than
// any timing could; the gateway's rate limit bounds how fast anyone can ask.
import { performance } from 'node:perf_hooks';
import { dropSchema } from '@mercato/db';
import { loadConfig } from '@mercato/kit';
import { uniqueName } from '@mercato/testing';
import { buildApp } from '../services/identity/src/app.ts';
import { configSchema } from '../services/identity/src/config.ts';

const PAIRS = Number(process.env.PAIRS ?? 200);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const schema = uniqueName('bench_enum').replace(/[^a-z0-9_]/g, '_');
const config = loadConfig(configSchema, {
  PORT: '0',
  LOG_LEVEL: 'silent',
  DATABASE_URL,
  DATABASE_SCHEMA: schema,
  AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  AMQP_EXCHANGE: uniqueName('bench_enum'),
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  MERCATO_ADMIN_EMAIL: `${uniqueName('admin')}@example.com`,
  MERCATO_ADMIN_PASSWORD: 'Bench-Admin-Password-1',
});
const app = await buildApp(config);
const base = await app.listen({ host: '127.0.0.1', port: 0 });
const post = async (path: string, body: unknown, expected = 202): Promise<number> => {
  const started = performance.now();
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  if (res.status !== expected) throw new Error(`${path} answered ${res.status}`);
  return performance.now() - started;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  const password = 'Bench-Password-123';
  const existing = `${uniqueName('known')}@example.com`;
  await post(
    '/auth/register',
    { email: existing, username: uniqueName('known').slice(0, 32), password },
    201,
  );

  const cases = {
    'POST /auth/password-reset': (known: boolean, i: number) =>
      post('/auth/password-reset', {
        email: known ? existing : `nobody-${i}-${uniqueName('x')}@example.com`,
      }),
  };
  console.log(`${PAIRS} pairs (registered, unknown), alternating which goes first`);
  for (const [name, call] of Object.entries(cases)) {
    for (let i = 0; i < 10; i++) await call(i % 2 === 0, -i); // warm-up
    const known: number[] = [];
    const unknown: number[] = [];
    let knownSlower = 0;
    for (let i = 0; i < PAIRS; i++) {
      const first = i % 2 === 0;
      const a = await call(first, i);
      const b = await call(!first, i);
      const [k, u] = first ? [a, b] : [b, a];
      known.push(k);
      unknown.push(u);
      if (k > u) knownSlower++;
    }
    console.log(
      `${name.padEnd(26)} median registered ${median(known).toFixed(2)} ms, unknown ${median(unknown).toFixed(2)} ms; ` +
        `registered slower in ${((100 * knownSlower) / PAIRS).toFixed(0)} % of pairs`,
    );
  }
} finally {
  await app.close();
  await dropSchema(DATABASE_URL, schema);
}
