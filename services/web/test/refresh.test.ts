// Two storefront replicas (two processes, as two pods would be) sharing Redis, in front of the real
// identity service: one browser's ten requests at the same moment, half on each replica, with an
// expired access token cause exactly one refresh — identity rotates the refresh token and treats a
// second use as theft, which would sign the customer out — and every request is answered signed in.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@mercato/kit';
import {
  freeTcpPort,
  isolatedSchema,
  onProcessExit,
  TEST_AMQP_URL,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniqueName,
} from '@mercato/testing';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';
import t from 'tap';
import { buildApp as buildIdentity } from '../../identity/src/app.ts';
import { configSchema as identityConfigSchema } from '../../identity/src/config.ts';

t.setTimeout(120_000);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

// identity, on a schema and an exchange of its own
const schema = await isolatedSchema(t, 'webrefresh');
const exchange = uniqueName('webrefresh');
const identity = await buildIdentity(
  loadConfig(identityConfigSchema, {
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    AMQP_URL: TEST_AMQP_URL,
    AMQP_EXCHANGE: exchange,
    REDIS_URL: TEST_REDIS_URL,
    MERCATO_ADMIN_EMAIL: `${uniqueName('admin')}@example.com`,
    MERCATO_ADMIN_PASSWORD: 'Admin-Password-123',
  }),
);
const identityUrl = await identity.listen({ port: 0, host: '127.0.0.1' });
t.teardown(async () => {
  await identity.close();
  const conn = await amqp.connect(TEST_AMQP_URL);
  await (await conn.createChannel()).deleteExchange(exchange);
  await conn.close();
});

const redis = new Redis(TEST_REDIS_URL);
const prefix = `${uniqueName('webrefresh')}:sess:`;
t.teardown(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

/** One web replica: its own process, the shared Redis, session secret and prefix. */
async function startWeb(): Promise<string> {
  const port = await freeTcpPort();
  let stderr = '';
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'services/web/src/server.ts')],
    {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        API_URL: identityUrl,
        REDIS_URL: TEST_REDIS_URL,
        SESSION_REDIS_PREFIX: prefix,
        SESSION_SECRET: 'a-test-secret-that-is-long-enough-0123456789',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  child.stderr?.on('data', (d) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const cancel = onProcessExit(() => child.kill('SIGKILL'));
  const exited = new Promise((r) => child.once('exit', r));
  t.teardown(async () => {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
    cancel();
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`web exited at start: ${stderr}`);
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return url;
    if (Date.now() > deadline) throw new Error(`web did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const cookieOf = (res: Response) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');

t.test('ten requests of one browser on two replicas with an expired access token: one refresh', async (t) => {
  const [webA, webB] = await Promise.all([startWeb(), startWeb()]);

  const tag = uniqueName('c').slice(-12);
  const email = `ann_${tag}@mercato.test`;
  const password = `correct-Horse-${tag}`;
  const registered = await fetch(`${identityUrl}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, username: `ann_${tag}`, password }),
  });
  t.ok([201, 202].includes(registered.status), 'registered');

  // Sign in through replica A, as the browser would.
  const form = await fetch(`${webA}/login`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const signedIn = await fetch(`${webA}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookieOf(form), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email, password, next: '/account' }),
  });
  t.equal(signedIn.status, 303, 'signed in');
  const cookie = cookieOf(signedIn);
  const sessionId = decodeURIComponent(cookie.replace(/^mercato\.sid=/, '')).split('.')[0];
  const key = `${prefix}${sessionId}`;
  const session = JSON.parse((await redis.get(key)) as string);
  t.ok(session.tokens?.refreshToken, 'the tokens are in the server-side session');

  // The access token has expired: the session records it as past its expiry.
  session.tokens.accessExpiresAt = Date.now() - 1_000;
  await redis.set(key, JSON.stringify(session), 'KEEPTTL');

  const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await db.connect();
  t.teardown(() => db.end());
  const logins = async () =>
    (
      await db.query<{ issued: number; revoked: number }>(
        `select count(*)::int as issued, count(revoked_at)::int as revoked
           from "${schema}".refresh_token where user_id = $1`,
        [session.user.id],
      )
    ).rows[0];
  // register and sign-in each issued one (two logins); nothing revoked
  const before = await logins();
  t.equal(before?.revoked, 0, 'no login revoked so far');
  const oneMore = { issued: (before?.issued ?? 0) + 1, revoked: 0 };

  const pages = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      fetch(`${i % 2 ? webB : webA}/account`, { headers: { cookie }, redirect: 'manual' }).then(
        async (r) => ({ status: r.status, location: r.headers.get('location'), body: await r.text() }),
      ),
    ),
  );
  t.same(
    pages.map((p) => p.status),
    Array(10).fill(200),
    `every request answered signed in (${JSON.stringify(pages.map((p) => p.location ?? p.status))})`,
  );
  t.ok(
    pages.every((p) => p.body.includes(email)),
    'each shows the account',
  );
  t.same(await logins(), oneMore, 'exactly one refresh, and the login is not revoked');

  // Still signed in afterwards, on either replica, with the rotated pair.
  const after = JSON.parse((await redis.get(key)) as string);
  t.not(after.tokens.refreshToken, session.tokens.refreshToken, 'the session holds the rotated pair');
  for (const web of [webA, webB]) {
    const again = await fetch(`${web}/account`, { headers: { cookie }, redirect: 'manual' });
    t.equal(again.status, 200, 'still signed in');
  }
  t.same(await logins(), oneMore, 'no further refresh needed');
});
