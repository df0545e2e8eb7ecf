// The storefront on its own (real Redis; no API behind it): what the browser is given and what it
// must send. The whole shop in a browser is test/browser/storefront.test.ts.
import { loadConfig } from '@mercato/kit';
import { TEST_REDIS_URL, uniqueName } from '@mercato/testing';
import { Redis } from 'ioredis';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';
import { safeNext } from '../src/routes/common.ts';
import { escapeHtml, html } from '../src/views/html.ts';

const prefix = `${uniqueName('webtest')}:sess:`;
const app = await buildApp(
  loadConfig(configSchema, {
    LOG_LEVEL: 'silent',
    REDIS_URL: TEST_REDIS_URL,
    // Nothing listens there: a page that needs the API shows the "try again" page.
    API_URL: 'http://127.0.0.1:1',
    API_TIMEOUT_MS: '1000',
    SESSION_REDIS_PREFIX: prefix,
    SESSION_SECRET: 'a-test-secret-that-is-long-enough-0123456789',
  }),
);
const redis = new Redis(TEST_REDIS_URL);
t.teardown(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await app.close();
});

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const set = [res.headers['set-cookie']].flat().filter(Boolean) as string[];
  return set.map((c) => c.split(';')[0]).join('; ');
}
function csrfOf(body: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
}

t.test('html escapes every value it did not make itself', async (t) => {
  const evil = '<script>alert("x")</script>';
  t.equal(html`<p>${evil}</p>`.value, '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>');
  t.equal(html`<a title="${"' onmouseover='x"}">`.value, '<a title="&#39; onmouseover=&#39;x">');
  t.equal(
    html`<ul>${['<b>', html`<li>ok</li>`]}</ul>`.value,
    '<ul>&lt;b&gt;<li>ok</li></ul>',
    'nested html is kept',
  );
  t.equal(escapeHtml('`&'), '&#96;&amp;');
});

t.test('only paths on this site are followed after sign-in (no open redirect)', async (t) => {
  t.equal(safeNext('/checkout'), '/checkout');
  for (const bad of [
    '//evil.example/x',
    'https://evil.example',
    '/\\evil.example',
    'javascript:alert(1)',
    undefined,
  ])
    t.equal(safeNext(bad), '/', String(bad));
});

t.test('the session cookie is HttpOnly and SameSite=Lax, and holds no token', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/login' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /text\/html/);
  const set = String([res.headers['set-cookie']].flat()[0]);
  t.match(set, /^mercato\.sid=/);
  t.match(set, /HttpOnly/);
  t.match(set, /SameSite=Lax/);
  t.notMatch(set, /Secure/, 'plain http: not Secure (the browser would drop it)');
  t.match(res.headers['content-security-policy'], /script-src 'self'/, 'no inline script may run');
  t.notMatch(res.body, /accessToken|refreshToken|localStorage/);

  const overHttps = await app.inject({
    method: 'GET',
    url: '/login',
    headers: { 'x-forwarded-proto': 'https' },
    remoteAddress: '127.0.0.1',
  });
  t.match(String([overHttps.headers['set-cookie']].flat()[0]), /Secure/, 'Secure behind an https ingress');
});

t.test('a form post without the session’s CSRF token is refused', async (t) => {
  const page = await app.inject({ method: 'GET', url: '/login' });
  const cookie = cookieOf(page);
  const token = csrfOf(page.body);
  t.ok(token, 'the form carries a CSRF token');

  const without = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'email=a%40b.test&password=whatever-long',
  });
  t.equal(without.statusCode, 403, 'no token: 403');
  t.match(without.body, /The form expired/);

  const forged = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: `_csrf=${encodeURIComponent(`${token}x`)}&email=a%40b.test&password=whatever-long`,
  });
  t.equal(forged.statusCode, 403, 'a wrong token: 403');

  const otherSession = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `_csrf=${encodeURIComponent(token)}&email=a%40b.test&password=whatever-long`,
  });
  t.equal(otherSession.statusCode, 403, 'a token without its session: 403');

  const good = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: `_csrf=${encodeURIComponent(token)}&email=a%40b.test&password=whatever-long`,
  });
  t.equal(good.statusCode, 502, 'with the token the form goes through (to an API that is not there)');
  t.match(good.body, /could not answer/);
});

t.test('pages that need a customer send a guest to sign in, and back', async (t) => {
  for (const url of ['/checkout', '/account/orders', '/account', '/admin/orders']) {
    const res = await app.inject({ method: 'GET', url });
    t.equal(res.statusCode, 303, url);
    t.equal(res.headers.location, `/login?next=${encodeURIComponent(url)}`);
  }
});

t.test(
  'the stylesheet and the order page script are served; pages stay out of the API document',
  async (t) => {
    const css = await app.inject({ method: 'GET', url: '/assets/site.css' });
    t.equal(css.statusCode, 200);
    t.match(css.headers['content-type'], /text\/css/);
    const js = await app.inject({ method: 'GET', url: '/assets/order-status.js' });
    t.match(js.headers['content-type'], /javascript/);
    t.match(js.body, /EventSource/);
    const doc = JSON.parse((await app.inject({ method: 'GET', url: '/docs/json' })).body);
    t.same(Object.keys(doc.paths ?? {}), [], 'no page is documented as an API operation');
  },
);

t.test(
  'no page path is claimed by an API prefix (the gateway routes those to the services first)',
  async (t) => {
    const { ROUTING_TABLE } = await import('../../gateway/src/domain/routes.ts');
    const prefixes = ROUTING_TABLE.flatMap((r) => [...r.prefixes]);
    // printRoutes draws a tree (4 columns per level): rebuild each full path from it.
    const pages: string[] = [];
    const stack: string[] = [];
    for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
      const m = /^(.*?)[├└]── (.*?)(?: \(|$)/.exec(line);
      if (!m) continue;
      const depth = Math.floor((m[1] as string).length / 4);
      stack[depth] = m[2] as string;
      stack.length = depth + 1;
      if (line.includes(' (')) pages.push(stack.join('').replace(/\/\/+/g, '/'));
    }
    t.ok(pages.includes('/books/:id'), 'the routes were listed');
    for (const page of pages)
      for (const prefix of prefixes)
        t.notOk(page === prefix || page.startsWith(`${prefix}/`), `${page} is not under ${prefix}`);
  },
);
