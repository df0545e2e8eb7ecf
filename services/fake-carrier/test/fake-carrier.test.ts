// The fake carrier as shipping meets it: idempotent bookings, a refused destination, and tracking
// events POSTed to a webhook (a small local server here) signed so that shipping's own verifier
// accepts them; a redelivery is the same event with a fresh signature.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@mercato/kit';
import t from 'tap';
import { verifyWebhookSignature } from '../../shipping/src/carrier/webhook-signature.ts';
import { buildApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';
import { ParcelBook } from '../src/domain/parcels.ts';

const SECRET = 'test-carrier-webhook-secret-0123456789';

interface Tap {
  teardown(fn: () => unknown): void;
}

const parcel = (reference: string, country = 'DE') => ({
  reference,
  kind: 'outbound' as const,
  level: 'express' as const,
  from: { name: 'Store Hamburg', lines: ['1 Dock Road', '20457 Hamburg'], country: 'DE' },
  to: { name: 'Ann Example', lines: ['1 Market Street', '10115 Berlin'], country },
  weightGrams: 1250,
});

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook endpoint: records every request and answers `status`, or never, while `hang` is set. */
async function webhookReceiver(t: Tap) {
  const received: Received[] = [];
  const held: ServerResponse[] = [];
  const state = { status: 200, hang: false };
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      if (state.hang) held.push(res);
      else res.writeHead(state.status, { 'content-type': 'application/json' }).end('{"accepted":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    for (const res of held) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/shippings/webhooks/carrier`, received, state };
}

async function carrier(t: Tap, env: Record<string, string> = {}) {
  const app = await buildApp(
    loadConfig(configSchema, {
      PORT: '0',
      LOG_LEVEL: 'silent',
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_URL: 'http://127.0.0.1:1/nowhere',
      ...env,
    }),
  );
  t.teardown(() => app.close());
  const book = async (reference: string, country = 'DE', key = reference) =>
    app.inject({
      method: 'POST',
      url: '/v1/parcels',
      headers: { 'idempotency-key': key },
      payload: parcel(reference, country),
    });
  const report = (trackingNumber: string, payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: `/v1/parcels/${trackingNumber}/events`, payload });
  return { app, book, report };
}

const verify = (header: string | string[] | undefined, rawBody: string, secret = SECRET) =>
  verifyWebhookSignature({ header, rawBody, secret, toleranceSeconds: 300 });

const eventually = async <T>(probe: () => T | undefined): Promise<T> => {
  for (let i = 0; i < 500; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('eventually: gave up');
};

t.test('a booking gets a tracking number; the same Idempotency-Key gets the same one', async (t) => {
  const { app, book } = await carrier(t);
  const first = await book('shipment-1');
  t.equal(first.statusCode, 201);
  t.match(first.json(), { carrier: 'fake-carrier', trackingNumber: /^FC\d{16}$/ });
  const { trackingNumber } = first.json();

  const again = await book('shipment-1');
  t.equal(again.statusCode, 200, 'a retry is answered 200');
  t.equal(again.headers['idempotent-replayed'], 'true');
  t.same(again.json(), first.json(), 'with the first parcel');
  const other = await book('shipment-2');
  t.equal(other.statusCode, 201);
  t.not(other.json().trackingNumber, trackingNumber, 'another key: another parcel');

  const shown = await app.inject({ method: 'GET', url: `/v1/parcels/${trackingNumber}` });
  t.equal(shown.statusCode, 200);
  t.match(shown.json(), {
    ...parcel('shipment-1'),
    carrier: 'fake-carrier',
    trackingNumber,
    status: 'booked',
    events: [],
  });
  const missing = await app.inject({ method: 'GET', url: '/v1/parcels/FC0000000000000000' });
  t.equal(missing.statusCode, 404);
  t.same(missing.json(), { error: 'no_such_parcel' });
});

t.test("a destination of 'XX' is refused with 422; bad requests are 400", async (t) => {
  const { app, book } = await carrier(t);
  const refused = await book('shipment-xx', 'XX');
  t.equal(refused.statusCode, 422);
  t.match(refused.json(), { error: 'unsupported_destination', message: /XX/ });
  t.equal((await book('shipment-xx', 'XX')).statusCode, 422, 'and again');
  t.equal((await book('shipment-xx', 'DE')).statusCode, 201, 'a refusal is not kept under its key');

  const noKey = await app.inject({ method: 'POST', url: '/v1/parcels', payload: parcel('p') });
  t.equal(noKey.statusCode, 400, 'the Idempotency-Key is required');
  for (const bad of [
    { ...parcel('p'), weightGrams: 0 },
    { ...parcel('p'), kind: 'sideways' },
    { ...parcel('p'), to: { ...parcel('p').to, country: 'de' } },
    { ...parcel('p'), from: { name: 'x', lines: [], country: 'DE' } },
  ]) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/parcels',
      headers: { 'idempotency-key': 'bad' },
      payload: bad,
    });
    t.equal(res.statusCode, 400, JSON.stringify(bad).slice(0, 80));
  }
});

t.test("an event is POSTed to the webhook, signed so that shipping's verifier accepts it", async (t) => {
  const hook = await webhookReceiver(t);
  const { app, book, report } = await carrier(t, { WEBHOOK_URL: hook.url });
  const { trackingNumber } = (await book('shipment-1')).json();

  const res = await report(trackingNumber, {
    status: 'exception',
    code: 'ADDRESS_UNKNOWN',
    description: 'Nobody of that name at the address',
    location: 'Berlin depot',
    occurredAt: '2026-12-01T10:00:00.000Z',
  });
  t.equal(res.statusCode, 201);
  const { event, delivery } = res.json();
  t.match(event, {
    eventId: /^evt_/,
    trackingNumber,
    status: 'exception',
    code: 'ADDRESS_UNKNOWN',
    description: 'Nobody of that name at the address',
    location: 'Berlin depot',
    occurredAt: '2026-12-01T10:00:00.000Z',
  });
  t.equal(delivery.status, 200, "the webhook's answer");

  t.equal(hook.received.length, 1, 'one request');
  const [request] = hook.received;
  t.equal(request!.headers['content-type'], 'application/json');
  const check = verify(request!.headers['carrier-signature'], request!.body);
  t.ok(check.ok, 'the signature verifies with the shared secret');
  t.match(verify(request!.headers['carrier-signature'], request!.body, 'another-secret-0123456789'), {
    ok: false,
    reason: 'bad-signature',
  });
  t.match(verify(request!.headers['carrier-signature'], request!.body.replace('exception', 'delivered')), {
    ok: false,
    reason: 'bad-signature',
  });
  const { deliveries: _, ...sent } = event;
  t.same(JSON.parse(request!.body), sent, 'the body is the event');
  t.same(
    delivery.headers,
    { 'carrier-signature': request!.headers['carrier-signature'] },
    'the answer shows the signature sent',
  );
  t.equal(delivery.body, request!.body, 'and the exact body, so a test can replay the request');

  const plain = await report(trackingNumber, { status: 'in_transit' });
  t.equal(plain.statusCode, 201);
  t.notMatch(plain.json().event, { code: String }, 'optional fields stay out when not given');
  t.ok(Date.parse(plain.json().event.occurredAt) > 0, 'occurredAt defaults to now');
  t.not(plain.json().event.eventId, event.eventId, 'a new event, a new eventId');

  const shown = (await app.inject({ method: 'GET', url: `/v1/parcels/${trackingNumber}` })).json();
  t.equal(shown.status, 'in_transit', 'the latest event');
  t.same(
    shown.events.map((e: { status: string; deliveries: { status: number }[] }) => [
      e.status,
      e.deliveries.length,
    ]),
    [
      ['exception', 1],
      ['in_transit', 1],
    ],
  );

  const unknown = await report('FC0000000000000000', { status: 'delivered' });
  t.equal(unknown.statusCode, 404);
  t.same(unknown.json(), { error: 'no_such_parcel' });
  t.equal((await report(trackingNumber, { status: 'lost' })).statusCode, 400, 'an unknown status is 400');
  t.equal(hook.received.length, 2, 'neither was sent');
});

t.test('a redelivery is the same event, the same body, with a fresh signature', async (t) => {
  const hook = await webhookReceiver(t);
  const { app, book, report } = await carrier(t, { WEBHOOK_URL: hook.url });
  const { trackingNumber } = (await book('shipment-1')).json();
  const first = (await report(trackingNumber, { status: 'delivered' })).json();

  // At once, so within the same second as the first: the signature must differ all the same.
  const redeliver = () => app.inject({ method: 'POST', url: `/v1/events/${first.event.eventId}/redeliver` });
  const again = await redeliver();
  t.equal(again.statusCode, 200);
  t.equal(again.json().event.eventId, first.event.eventId, 'the same eventId');
  t.equal(again.json().delivery.body, first.delivery.body, 'the same body');
  const third = await redeliver();

  const signatures = hook.received.map((r) => r.headers['carrier-signature'] as string);
  t.equal(new Set(signatures).size, 3, 'three requests, three signatures');
  t.same(
    hook.received.map((r) => r.body),
    [first.delivery.body, first.delivery.body, first.delivery.body],
  );
  const checks = hook.received.map((r) => verify(r.headers['carrier-signature'], r.body));
  t.ok(
    checks.every((c) => c.ok),
    'each verifies',
  );
  const stamps = checks.map((c) => (c.ok ? c.timestamp : 0));
  t.ok(stamps[0]! < stamps[1]! && stamps[1]! < stamps[2]!, 'timestamps move on with each delivery');
  t.equal(third.json().event.deliveries.length, 3, 'every attempt is kept on the event');

  const missing = await app.inject({ method: 'POST', url: '/v1/events/evt_missing/redeliver' });
  t.equal(missing.statusCode, 404);
  t.same(missing.json(), { error: 'no_such_event' });
});

t.test('a webhook that fails, hangs or cannot be reached is reported, not retried', async (t) => {
  const hook = await webhookReceiver(t);
  const { book, report } = await carrier(t, { WEBHOOK_URL: hook.url, WEBHOOK_TIMEOUT_MS: '200' });
  const { trackingNumber } = (await book('shipment-1')).json();

  hook.state.status = 503;
  const failed = (await report(trackingNumber, { status: 'picked_up' })).json();
  t.equal(failed.delivery.status, 503);
  t.equal(failed.event.deliveries.length, 1, 'one attempt');

  hook.state.hang = true;
  const hung = (await report(trackingNumber, { status: 'in_transit' })).json();
  t.equal(hung.delivery.status, null);
  t.equal(hung.delivery.error, 'timeout');
  t.equal(hook.received.length, 2, 'each sent once');

  const { book: bookElsewhere, report: reportElsewhere } = await carrier(t, {
    WEBHOOK_URL: 'http://127.0.0.1:1/x',
  });
  const other = (await bookElsewhere('shipment-2')).json();
  const unreachable = (await reportElsewhere(other.trackingNumber, { status: 'picked_up' })).json();
  t.equal(unreachable.delivery.status, null);
  t.type(unreachable.delivery.error, 'string');
});

t.test('closing the carrier cuts a webhook request in flight', async (t) => {
  const hook = await webhookReceiver(t);
  hook.state.hang = true;
  const { app, book, report } = await carrier(t, { WEBHOOK_URL: hook.url, WEBHOOK_TIMEOUT_MS: '60000' });
  const { trackingNumber } = (await book('shipment-1')).json();
  const pending = report(trackingNumber, { status: 'picked_up' });
  await eventually(() => hook.received[0]);
  await app.close();
  const res = await pending;
  t.equal(res.json().delivery.status, null, 'the delivery ended without an answer');
});

t.test('AUTO_ADVANCE_MS walks every booked parcel to delivered, one step per interval', async (t) => {
  const hook = await webhookReceiver(t);
  const { app, book } = await carrier(t, { WEBHOOK_URL: hook.url, AUTO_ADVANCE_MS: '20' });
  const a = (await book('shipment-a')).json().trackingNumber;
  const b = (await book('return-b')).json().trackingNumber;
  const statusesOf = (tn: string) =>
    hook.received.map((r) => JSON.parse(r.body)).filter((e) => e.trackingNumber === tn);
  const walk = ['picked_up', 'in_transit', 'out_for_delivery', 'delivered'];
  for (const tn of [a, b]) {
    const events = await eventually(() => (statusesOf(tn).length >= 4 ? statusesOf(tn) : undefined));
    t.same(
      events.map((e) => e.status),
      walk,
      `${tn}: every step once, in order`,
    );
    t.ok(
      hook.received.every((r) => verify(r.headers['carrier-signature'], r.body).ok),
      'each signed',
    );
  }
  // Delivered parcels walk no further.
  const booked = (await book('shipment-c')).json().trackingNumber;
  await eventually(() => (statusesOf(booked).length >= 4 ? true : undefined));
  t.equal(statusesOf(a).length, 4, 'a delivered parcel gets no more events');
  t.equal((await app.inject({ method: 'GET', url: `/v1/parcels/${a}` })).json().status, 'delivered');
});

t.test('the walk goes on from the furthest step reached and stops at an exception', async (t) => {
  const book = new ParcelBook();
  const { outcome } = book.book('k', parcel('r'));
  if (outcome.result !== 'booked') throw new Error('not booked');
  const tn = outcome.parcel.trackingNumber;
  t.equal(book.nextWalkStep(tn), 'picked_up');
  book.addEvent(tn, { status: 'out_for_delivery' });
  book.addEvent(tn, { status: 'picked_up' });
  t.equal(book.nextWalkStep(tn), 'delivered', 'a late picked_up does not move the walk back');
  book.addEvent(tn, { status: 'exception' });
  t.equal(book.nextWalkStep(tn), undefined, 'an exception stops it');
  t.same(book.walking(), []);
  book.addEvent(tn, { status: 'in_transit' });
  t.equal(book.nextWalkStep(tn), 'delivered', 'an event after the exception resumes it');
});

t.test('with API_KEY set, /v1 needs it as a bearer token', async (t) => {
  const { app } = await carrier(t, { API_KEY: 'carrier-key-123' });
  const post = (authorization?: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/parcels',
      headers: { 'idempotency-key': 'k1', ...(authorization ? { authorization } : {}) },
      payload: parcel('k1'),
    });
  const none = await post();
  t.equal(none.statusCode, 401);
  t.same(none.json(), { error: 'unauthorized' });
  t.equal((await post('Bearer wrong')).statusCode, 401);
  t.equal((await post('carrier-key-123')).statusCode, 401, 'the Bearer scheme is required');
  t.equal((await post('Bearer carrier-key-123')).statusCode, 201);
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'probes need no key');
});
