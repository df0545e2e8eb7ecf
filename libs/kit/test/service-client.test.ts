import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freeTcpPort } from '@mercato/testing';
import t from 'tap';
import { HttpProblem, ServiceClient } from '../src/index.ts';

/** A real HTTP server whose answers the test scripts, one per request, recording what it received. */
async function scriptedServer(
  t: { teardown(fn: () => unknown): void },
  answers: ((req: IncomingMessage, res: ServerResponse) => void)[],
) {
  const received: { method?: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ method: req.method, headers: req.headers, body });
      const answer = answers[Math.min(received.length - 1, answers.length - 1)]!;
      answer(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received };
}

const json = (status: number, body: unknown) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};
const never = () => {};

t.test('a GET is retried after a 503 and the answer, headers and identity come through', async (t) => {
  const s = await scriptedServer(t, [json(503, {}), json(200, { ok: true })]);
  const client = new ServiceClient({ service: 'orders', baseUrl: s.url, retryDelayMs: 1 });
  const res = await client.request<{ ok: boolean }>({
    method: 'GET',
    path: '/x',
    authorization: 'Bearer abc',
  });
  t.equal(res.status, 200);
  t.same(res.body, { ok: true });
  t.equal(s.received.length, 2);
  t.equal(s.received[1]!.headers.authorization, 'Bearer abc');
});

t.test('a 4xx is the caller’s to interpret, never retried', async (t) => {
  const s = await scriptedServer(t, [json(422, { type: 'x' })]);
  const client = new ServiceClient({ service: 'orders', baseUrl: s.url, retryDelayMs: 1 });
  const res = await client.request({ method: 'GET', path: '/x' });
  t.equal(res.status, 422);
  t.equal(s.received.length, 1);
});

t.test('a POST without an Idempotency-Key is sent once: a 503 becomes upstream-unavailable', async (t) => {
  const s = await scriptedServer(t, [json(503, {}), json(201, {})]);
  const client = new ServiceClient({ service: 'orders', baseUrl: s.url, retryDelayMs: 1 });
  const err = await client.request({ method: 'POST', path: '/orders', body: { a: 1 } }).catch((e) => e);
  t.ok(err instanceof HttpProblem);
  t.equal(err.status, 503);
  t.match(err.type, /upstream-unavailable$/);
  t.match(err.detail, /orders/);
  t.equal(s.received.length, 1);
});

t.test('a POST with an Idempotency-Key is retried, carrying the key and the JSON body', async (t) => {
  const s = await scriptedServer(t, [json(502, {}), json(201, { id: 'o1' })]);
  const client = new ServiceClient({ service: 'orders', baseUrl: s.url, retryDelayMs: 1 });
  const res = await client.request({ method: 'POST', path: '/orders', idempotencyKey: 'k1', body: { a: 1 } });
  t.equal(res.status, 201);
  t.equal(s.received.length, 2);
  t.equal(s.received[1]!.headers['idempotency-key'], 'k1');
  t.same(JSON.parse(s.received[1]!.body), { a: 1 });
});

t.test('no answer within the deadline: 503 naming the timeout, after the retries', async (t) => {
  const s = await scriptedServer(t, [never]);
  const client = new ServiceClient({
    service: 'identity',
    baseUrl: s.url,
    timeoutMs: 100,
    retries: 1,
    retryDelayMs: 1,
  });
  const started = Date.now();
  const err = await client.request({ method: 'GET', path: '/slow' }).catch((e) => e);
  t.equal(err.status, 503);
  t.match(err.detail, /within 100 ms/);
  t.equal(s.received.length, 2);
  t.ok(Date.now() - started < 2000);
});

t.test('an unreachable service: 503 with Retry-After', async (t) => {
  const port = await freeTcpPort();
  const client = new ServiceClient({
    service: 'identity',
    baseUrl: `http://127.0.0.1:${port}`,
    retryDelayMs: 1,
  });
  const err = await client.request({ method: 'GET', path: '/x' }).catch((e) => e);
  t.equal(err.status, 503);
  t.match(err.detail, /ECONNREFUSED/);
  t.same(err.headers, { 'retry-after': '5' });
});
