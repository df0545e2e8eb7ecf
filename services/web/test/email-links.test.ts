// The pages the e-mails link to (SHOP_URL/verify?token=, /forgot-password, /reset-password?token=), at
// the storefront's level: real Redis for the sessions, an API stand-in recording what identity is asked.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@mercato/kit';
import { TEST_REDIS_URL, uniqueName } from '@mercato/testing';
import { Redis } from 'ioredis';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';

const asked: { path: string; body: Record<string, string> }[] = [];
const api = createServer(async (req, res) => {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  const body = raw ? (JSON.parse(raw) as Record<string, string>) : {};
  const path = new URL(req.url ?? '/', 'http://api').pathname;
  asked.push({ path, body });
  const send = (status: number, answer?: unknown) => {
    res.writeHead(status, answer === undefined ? {} : { 'content-type': 'application/json' });
    res.end(answer === undefined ? undefined : JSON.stringify(answer));
  };
  const refused = (errors: { path: string; message: string }[] = []) => {
    res.writeHead(400, { 'content-type': 'application/problem+json' });
    res.end(
      JSON.stringify({
        type: 'https://mercato.dev/problems/validation-error',
        title: 'Bad Request',
        status: 400,
        errors,
      }),
    );
  };
  if (path === '/auth/verify')
    return body.token === 'good' ? send(200, { id: 'u1', emailVerified: true }) : refused();
  if (path === '/auth/password-reset') return send(202, { status: 'accepted' });
  if (path === '/auth/password-reset/confirm') {
    if (body.token !== 'good') return refused();
    if ((body.password ?? '').length < 10)
      return refused([{ path: '/password', message: 'must be at least 10 characters' }]);
    return send(204);
  }
  send(404, { type: 'about:blank', title: 'Not Found', status: 404 });
});
await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
t.teardown(() => new Promise<void>((resolve) => api.close(() => resolve())));

const prefix = `${uniqueName('weblinks')}:sess:`;
const app = await buildApp(
  loadConfig(configSchema, {
    LOG_LEVEL: 'silent',
    REDIS_URL: TEST_REDIS_URL,
    API_URL: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
    SESSION_REDIS_PREFIX: prefix,
    SESSION_SECRET: 'a-test-secret-that-is-long-enough-0123456789',
  }),
);
t.teardown(async () => {
  const redis = new Redis(TEST_REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await app.close();
});

/** Opens a page, then submits its form with the given fields (cookie and CSRF token as a browser would). */
async function submit(pageUrl: string, action: string, fields: Record<string, string>) {
  const page = await app.inject({ method: 'GET', url: pageUrl });
  const cookie = [page.headers['set-cookie']]
    .flat()
    .filter(Boolean)
    .map((c) => String(c).split(';')[0])
    .join('; ');
  const hidden = Object.fromEntries(
    [...page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]),
  );
  return {
    page,
    answer: await app.inject({
      method: 'POST',
      url: action,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...hidden, ...fields }).toString(),
    }),
  };
}

t.test('the verification link confirms the address after one click, never on opening', async (t) => {
  const before = asked.length;
  const { page, answer } = await submit('/verify?token=good', '/verify', {});
  t.equal(page.statusCode, 200);
  t.match(page.body, 'Confirm my e-mail address');
  t.equal(answer.statusCode, 200);
  t.match(answer.body, 'E-mail address confirmed');
  t.same(
    asked.slice(before),
    [{ path: '/auth/verify', body: { token: 'good' } }],
    'one call, after the click',
  );

  const stale = await submit('/verify?token=old', '/verify', {});
  t.equal(stale.answer.statusCode, 400);
  t.match(stale.answer.body, 'This link has expired or was already used');
});

t.test('forgot password: a link is asked for, alike for every address', async (t) => {
  const { answer } = await submit('/forgot-password', '/forgot-password', { email: 'ann@example.com' });
  t.equal(answer.statusCode, 200);
  t.match(answer.body, 'If an account has that address');
  t.same(asked.at(-1), { path: '/auth/password-reset', body: { email: 'ann@example.com' } });
  t.match(
    (await app.inject({ method: 'GET', url: '/login' })).body,
    'href="/forgot-password"',
    'from the sign-in page',
  );
});

t.test('the reset link sets the new password, then sends to sign in', async (t) => {
  const short = await submit('/reset-password?token=good', '/reset-password', { password: 'short' });
  t.equal(short.answer.statusCode, 400);
  t.match(short.answer.body, 'The password must be at least 10 characters');

  const { answer } = await submit('/reset-password?token=good', '/reset-password', {
    password: 'correct-Horse-battery',
  });
  t.equal(answer.statusCode, 303);
  t.equal(answer.headers.location, '/login');
  t.same(asked.at(-1), {
    path: '/auth/password-reset/confirm',
    body: { token: 'good', password: 'correct-Horse-battery' },
  });

  const stale = await submit('/reset-password?token=old', '/reset-password', {
    password: 'correct-Horse-battery',
  });
  t.equal(stale.answer.statusCode, 400);
  t.match(stale.answer.body, 'This link has expired or was already used');
});
