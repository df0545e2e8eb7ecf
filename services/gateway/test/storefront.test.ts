// WEB_URL: the storefront at `/`, behind every API prefix, probe and /docs.
import { createService } from '@mercato/kit';
import { freeTcpPort } from '@mercato/testing';
import t from 'tap';
import { startCatalogLike, startGateway, startIdentityLike } from './helpers.ts';

const identity = await startIdentityLike(t);
const catalog = await startCatalogLike(t);

// A storefront stand-in: HTML for every path, saying what it received.
const web = await createService({ name: 'web', logLevel: 'silent' });
web.route({
  method: ['GET', 'POST'],
  url: '/*',
  schema: { hide: true },
  handler: async (request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('set-cookie', 'mercato.sid=abc; Path=/; HttpOnly; SameSite=Lax')
      .send(
        `<p>web ${request.method} ${request.url} proto=${request.headers['x-forwarded-proto']} body=${
          typeof request.body === 'string' ? request.body : JSON.stringify(request.body ?? null)
        }</p>`,
      ),
});
web.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) =>
  done(null, body),
);
await web.listen({ port: 0, host: '127.0.0.1' });
t.teardown(() => web.close());
const webUrl = `http://127.0.0.1:${(web.server.address() as { port: number }).port}`;

const { app: gateway } = await startGateway(t, {
  IDENTITY_URL: identity.url,
  CATALOG_URL: catalog.url,
  WEB_URL: webUrl,
});

t.test('pages go to the storefront, unchanged', async (t) => {
  const home = await gateway.inject({ method: 'GET', url: '/' });
  t.equal(home.statusCode, 200);
  t.match(home.headers['content-type'], /text\/html/);
  t.match(home.body, /web GET \/ proto=http/);
  t.match(
    String(home.headers['set-cookie']),
    /mercato\.sid=abc; Path=\/; HttpOnly; SameSite=Lax/,
    'its cookie too',
  );

  const page = await gateway.inject({ method: 'GET', url: '/books/b1?from=search' });
  t.match(page.body, /web GET \/books\/b1\?from=search/);

  const form = await gateway.inject({
    method: 'POST',
    url: '/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'email=a%40b.test&_csrf=t',
  });
  t.match(form.body, /web POST \/login .*body=email=a%40b\.test&_csrf=t/, 'a form body is passed through');
});

t.test('API prefixes, probes and /docs are still the gateway’s and the services’', async (t) => {
  const auth = await gateway.inject({ method: 'GET', url: '/auth/echo' });
  t.equal(auth.json().service, 'identity');
  const product = await gateway.inject({ method: 'GET', url: '/products/p-1' });
  t.same(product.json(), { service: 'catalog', id: 'p-1' });
  const notThere = await gateway.inject({ method: 'GET', url: '/users/u1/nothing-here' });
  t.equal(notThere.statusCode, 404, "an API path the service does not know is the service's 404");
  t.match(notThere.headers['content-type'], /problem\+json/);
  t.equal((await gateway.inject({ method: 'GET', url: '/healthz' })).json().status, 'ok');
  const docs = await gateway.inject({ method: 'GET', url: '/docs/json' });
  t.equal(docs.statusCode, 200);
  t.notOk(
    Object.keys(docs.json().paths).some((p) => p === '/' || p.startsWith('/books')),
    'no page in the API document',
  );
});

t.test('a storefront that is down → 503 problem+json', async (t) => {
  const port = await freeTcpPort();
  const { app: alone } = await startGateway(t, { WEB_URL: `http://127.0.0.1:${port}` });
  const res = await alone.inject({ method: 'GET', url: '/' });
  t.equal(res.statusCode, 503);
  t.match(res.headers['content-type'], /application\/problem\+json/);
});
