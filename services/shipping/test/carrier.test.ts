// The HTTP carrier adapter: against the fake carrier started in this process (a booking, its
// idempotent retry, a refusal, the API key), and against a small local server for the answers the
// fake carrier never gives (5xx, 429, a hang, a garbled body, nobody listening).
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@mercato/kit';
import { freeTcpPort } from '@mercato/testing';
import t from 'tap';
import { buildApp as buildFakeCarrier } from '../../fake-carrier/src/app.ts';
import { configSchema as fakeCarrierConfig } from '../../fake-carrier/src/config.ts';
import type { CarrierParcel } from '../src/carrier/carrier.ts';
import { httpCarrier } from '../src/carrier/http-carrier.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

const parcel = (reference: string, country = 'FR'): CarrierParcel => ({
  reference,
  kind: 'outbound',
  level: 'standard',
  from: { name: 'Store Hamburg', lines: ['1 Dock Road', '20457 Hamburg'], country: 'DE' },
  to: { name: 'Ann Example', lines: ['3 Rue de la Paix', '75002 Paris'], country },
  weightGrams: 800,
});

async function fakeCarrier(t: Tap, env: Record<string, string> = {}) {
  const app = await buildFakeCarrier(
    loadConfig(fakeCarrierConfig, { PORT: '0', LOG_LEVEL: 'silent', ...env }),
  );
  t.teardown(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

/** How the scripted server answers a request: 'hang' leaves it unanswered. */
type Answer = (res: ServerResponse) => unknown;

interface Seen {
  headers: IncomingHttpHeaders;
  body: string;
}

/** Answers every request as `answer` says (or never, with 'hang'), and records what it got. */
async function scriptedCarrier(t: Tap, answer: Answer) {
  const seen: Seen[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({ headers: req.headers, body });
      if (answer(res) === 'hang') held.push(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    for (const res of held) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const json = (status: number, body: unknown) => (res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

t.test('books with the fake carrier; a retried booking gets the same tracking number', async (t) => {
  const fake = await fakeCarrier(t);
  const carrier = httpCarrier({ baseUrl: `${fake.url}/`, timeoutMs: 5_000 });
  const sent = parcel('0193a8b2-7c1d-7e4f-9a2b-3c4d5e6f7a8b');

  const first = await carrier.book(sent);
  t.match(first, { kind: 'booked', parcel: { carrier: 'fake-carrier', trackingNumber: /^FC\d{16}$/ } });
  const again = await carrier.book(sent);
  t.same(again, first, 'the reference is the idempotency key: one parcel');
  const other = await carrier.book(parcel('another-shipment'));
  t.match(other, { kind: 'booked' });
  t.not(
    other.kind === 'booked' && other.parcel.trackingNumber,
    first.kind === 'booked' && first.parcel.trackingNumber,
  );

  // The carrier holds the parcel as it was sent.
  const trackingNumber = first.kind === 'booked' ? first.parcel.trackingNumber : '';
  const held = await fake.app.inject({ method: 'GET', url: `/v1/parcels/${trackingNumber}` });
  t.match(held.json(), { ...sent, trackingNumber });
});

t.test('a refused destination is refused for good', async (t) => {
  const fake = await fakeCarrier(t);
  const carrier = httpCarrier({ baseUrl: fake.url, timeoutMs: 5_000 });
  const outcome = await carrier.book(parcel('to-nowhere', 'XX'));
  t.match(outcome, { kind: 'refused', reason: /^unsupported_destination: .*XX/ });
});

t.test('the API key is sent as a bearer token; a wrong one is a credentials problem, retried', async (t) => {
  const fake = await fakeCarrier(t, { API_KEY: 'carrier-api-key-1' });
  const good = httpCarrier({ baseUrl: fake.url, timeoutMs: 5_000, apiKey: 'carrier-api-key-1' });
  t.match(await good.book(parcel('p-1')), { kind: 'booked' });
  const wrong = httpCarrier({ baseUrl: fake.url, timeoutMs: 5_000, apiKey: 'not-the-key' });
  t.match(await wrong.book(parcel('p-2')), { kind: 'unavailable', detail: /401/ });
  const none = httpCarrier({ baseUrl: fake.url, timeoutMs: 5_000 });
  t.match(await none.book(parcel('p-3')), { kind: 'unavailable', detail: /401/ });
});

t.test('what the adapter sends: JSON, the reference as Idempotency-Key, the key when set', async (t) => {
  const server = await scriptedCarrier(t, json(201, { carrier: 'acme', trackingNumber: 'AC123' }));
  const sent = parcel('ref-42');
  const outcome = await httpCarrier({ baseUrl: server.url, timeoutMs: 5_000, apiKey: 'k' }).book(sent);
  t.same(outcome, { kind: 'booked', parcel: { carrier: 'acme', trackingNumber: 'AC123' } });
  const [request] = server.seen;
  t.equal(request!.headers['idempotency-key'], 'ref-42');
  t.equal(request!.headers.authorization, 'Bearer k');
  t.match(request!.headers['content-type'], /^application\/json/);
  t.same(JSON.parse(request!.body), sent);
  await httpCarrier({ baseUrl: server.url, timeoutMs: 5_000 }).book(sent);
  t.notOk(server.seen[1]!.headers.authorization, 'no key, no Authorization header');
});

t.test(
  '5xx, 408, 429, a hang, a garbled answer and no server are unavailable (tried again later)',
  async (t) => {
    const cases: [string, Answer, RegExp][] = [
      ['500', json(500, { error: 'internal' }), /500/],
      ['503', json(503, {}), /503/],
      ['502 without a JSON body', (res) => res.writeHead(502).end('<html>bad gateway</html>'), /502/],
      ['408', json(408, { error: 'request_timeout' }), /408/],
      ['429', json(429, { error: 'rate_limited' }), /429/],
      ['403', json(403, { error: 'forbidden' }), /403/],
      ['a hang', () => 'hang', /^timeout$/],
      ['a 201 without a tracking number', json(201, { carrier: 'acme' }), /trackingNumber/],
      ['a 201 with an unprintable tracking number', json(201, { trackingNumber: 'A B\n' }), /trackingNumber/],
      ['a 201 that is not JSON', (res) => res.writeHead(201).end('booked!'), /trackingNumber/],
    ];
    for (const [what, answer, detail] of cases) {
      const server = await scriptedCarrier(t, answer);
      const outcome = await httpCarrier({ baseUrl: server.url, timeoutMs: 300 }).book(parcel(`r-${what}`));
      t.match(outcome, { kind: 'unavailable', detail }, what);
    }
    const closedPort = await freeTcpPort();
    const nobody = await httpCarrier({ baseUrl: `http://127.0.0.1:${closedPort}`, timeoutMs: 1_000 }).book(
      parcel('r-x'),
    );
    t.match(nobody, { kind: 'unavailable', detail: /ECONNREFUSED/ }, 'nobody listening');
  },
);

t.test("other 4xx are refused with the carrier's words", async (t) => {
  const cases: [string, Answer, string][] = [
    ['an error code', json(400, { error: 'invalid_address' }), 'invalid_address'],
    [
      'a code and a message',
      json(422, { error: 'too_heavy', message: 'Over 31.5 kg' }),
      'too_heavy: Over 31.5 kg',
    ],
    [
      'a problem document',
      json(400, { type: 'about:blank', title: 'Bad Request', detail: 'to: required' }),
      'to: required',
    ],
    ['no body', (res) => res.writeHead(404).end(), 'carrier_404'],
  ];
  for (const [what, answer, reason] of cases) {
    const server = await scriptedCarrier(t, answer);
    t.same(
      await httpCarrier({ baseUrl: server.url, timeoutMs: 2_000 }).book(parcel('r')),
      { kind: 'refused', reason },
      what,
    );
  }
});
