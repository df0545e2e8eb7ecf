// The carrier's webhook: only a request signed with the shared secret, within the tolerance, and never
// seen before moves anything; a redelivered eventId is acknowledged without a second effect.
import t from 'tap';
import { signWebhook } from '../src/carrier/webhook-signature.ts';
import { PROBLEM, setup, uuidv7, WEBHOOK_SECRET } from './shipment-helpers.ts';

async function oneBookedShipment(s: Awaited<ReturnType<typeof setup>>) {
  const p = uuidv7();
  const o = s.order({
    lines: [{ productId: p, quantity: 1 }],
    allocations: [{ store: s.store('A'), productId: p, quantity: 1 }],
  });
  const [shipment] = await s.confirmedAndBooked(o, 1);
  return { o, shipment };
}

t.test('a bad, missing or stale signature is 401 and changes nothing', async (t) => {
  const s = await setup(t);
  const { shipment } = await oneBookedShipment(s);
  const before = await s.fingerprint();
  const event = { trackingNumber: shipment.trackingNumber, status: 'delivered' as const };
  const now = Math.floor(Date.now() / 1000);

  const cases = [
    ['a wrong key', { secret: 'not-the-shared-secret-at-all' }, 'bad-signature'],
    ['no signature', { signature: null }, 'missing-signature'],
    ['a timestamp an hour old', { timestamp: now - 3600 }, 'stale-timestamp'],
    ['a timestamp an hour ahead', { timestamp: now + 3600 }, 'stale-timestamp'],
    ['a malformed header', { signature: 't=abc,v1=xyz' }, 'bad-signature'],
  ] as const;
  for (const [what, opts, reason] of cases) {
    const { res } = await s.webhook(event, opts);
    t.equal(res.statusCode, 401, `${what}: 401`);
    t.equal(res.headers['content-type'], PROBLEM);
    t.match(res.json(), { type: 'https://mercato.dev/problems/webhook-signature-invalid', reason });
  }
  // A body that is not the one that was signed.
  const body = JSON.stringify({ eventId: 'e-1', occurredAt: new Date().toISOString(), ...event });
  const tampered = await s.webhook(event, {
    rawBody: body.replace('delivered', 'picked_up'),
    signature: signWebhook(WEBHOOK_SECRET, body, now),
  });
  t.equal(tampered.res.statusCode, 401, 'a tampered body: 401');

  t.same(await s.fingerprint(), before, 'nothing changed');
  t.ok((await s.metric('shipping_webhooks_total', { outcome: 'bad-signature' })) >= 2);
  t.equal(await s.metric('shipping_webhooks_total', { outcome: 'stale-timestamp' }), 2);
});

t.test('the same signed request again is 409 and changes nothing', async (t) => {
  const s = await setup(t);
  const { shipment } = await oneBookedShipment(s);
  const first = await s.webhook({ trackingNumber: shipment.trackingNumber, status: 'in_transit' });
  t.equal(first.res.statusCode, 200);
  t.same(first.res.json(), { accepted: true, duplicate: false });
  const before = await s.fingerprint();
  const replay = await s.webhook(
    { trackingNumber: shipment.trackingNumber, status: 'in_transit' },
    { rawBody: first.raw, signature: first.signature as string },
  );
  t.equal(replay.res.statusCode, 409);
  t.equal(replay.res.headers['content-type'], PROBLEM);
  t.match(replay.res.json(), { type: 'https://mercato.dev/problems/webhook-replayed' });
  t.same(await s.fingerprint(), before, 'nothing changed');
  t.equal(await s.metric('shipping_webhooks_total', { outcome: 'replayed' }), 1);
});

t.test(
  'the same eventId with a fresh signature (a redelivery) is 200 duplicate, no second effect',
  async (t) => {
    const s = await setup(t);
    const { shipment } = await oneBookedShipment(s);
    const first = await s.webhook({ trackingNumber: shipment.trackingNumber, status: 'picked_up' });
    t.same(first.res.json(), { accepted: true, duplicate: false });
    const shippedBefore = (await s.outbox('shipment.shipped')).length;
    // One second later: another timestamp, so another signature over the very same body.
    const again = await s.webhook(
      { trackingNumber: shipment.trackingNumber, status: 'picked_up' },
      { rawBody: first.raw, timestamp: Math.floor(Date.now() / 1000) + 1 },
    );
    t.equal(again.res.statusCode, 200);
    t.same(again.res.json(), { accepted: true, duplicate: true });
    t.equal((await s.outbox('shipment.shipped')).length, shippedBefore, 'no second shipment.shipped');
    const detail = await s.app.inject({
      method: 'GET',
      url: `/shippings/${shipment.id}`,
      headers: s.customer.headers,
    });
    t.equal(detail.json().tracking.length, 1, 'one tracking event');
    t.equal(await s.metric('shipping_webhooks_total', { outcome: 'duplicate' }), 1);
  },
);

t.test('an unknown tracking number is 404 and records nothing; a malformed body is 400', async (t) => {
  const s = await setup(t);
  await oneBookedShipment(s);
  const before = await s.fingerprint();
  const unknown = await s.webhook({ trackingNumber: 'NO-SUCH-PARCEL', status: 'delivered' });
  t.equal(unknown.res.statusCode, 404);
  t.equal(unknown.res.headers['content-type'], PROBLEM);
  t.same(await s.fingerprint(), before, 'not even the signature is kept');

  for (const [what, raw] of [
    ['not JSON', '{"eventId": '],
    [
      'an unknown status',
      JSON.stringify({
        eventId: 'e1',
        trackingNumber: 'X',
        status: 'lost',
        occurredAt: new Date().toISOString(),
      }),
    ],
    [
      'no tracking number',
      JSON.stringify({ eventId: 'e2', status: 'delivered', occurredAt: new Date().toISOString() }),
    ],
    [
      'a bad date',
      JSON.stringify({ eventId: 'e3', trackingNumber: 'X', status: 'delivered', occurredAt: 'yesterday' }),
    ],
  ] as const) {
    const { res } = await s.webhook({ trackingNumber: 'X', status: 'delivered' }, { rawBody: raw });
    t.equal(res.statusCode, 400, `${what}: 400`);
    t.equal(res.headers['content-type'], PROBLEM);
  }
  const unsignedGarbage = await s.webhook(
    { trackingNumber: 'X', status: 'delivered' },
    { rawBody: '{', signature: null },
  );
  t.equal(unsignedGarbage.res.statusCode, 401, 'the signature is checked before the body');
  t.same(await s.fingerprint(), before);
});
