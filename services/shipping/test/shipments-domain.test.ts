// The shipments and returns rules without a database: parcels per store, status progress, backoff,
// return plans (window, quantities, exact amounts, the store a return goes to).
import t from 'tap';
import { planReturn, returnStore } from '../src/domain/returns.ts';
import { bookingRetryDelayMs, hasLeft, isFurther, planParcels, storeLabel } from '../src/domain/shipments.ts';

const [S1, S2] = ['00000000-0000-7000-8000-000000000001', '00000000-0000-7000-8000-000000000002'];
const [P1, P2] = ['00000000-0000-7000-8000-0000000000a1', '00000000-0000-7000-8000-0000000000a2'];

t.test('one parcel per store, allocations of a product at a store summed', async (t) => {
  t.same(
    planParcels([
      { storeId: S2, productId: P1, quantity: 1 },
      { storeId: S1, productId: P2, quantity: 2 },
      { storeId: S2, productId: P1, quantity: 2 },
    ]),
    [
      { storeId: S1, lines: [{ productId: P2, quantity: 2 }] },
      { storeId: S2, lines: [{ productId: P1, quantity: 3 }] },
    ],
  );
});

t.test('status only moves forward', async (t) => {
  t.ok(isFurther('label_created', 'picked_up'));
  t.ok(isFurther('label_created', 'delivered'), 'delivered heard first');
  t.notOk(isFurther('delivered', 'in_transit'), 'a late event does not move it back');
  t.notOk(isFurther('in_transit', 'in_transit'));
  t.notOk(isFurther('received', 'out_for_delivery'), "a return's received is its delivered");
  t.ok(hasLeft('out_for_delivery'));
  t.notOk(hasLeft('label_created'));
});

t.test('booking backoff doubles up to the cap', async (t) => {
  t.same(
    [1, 2, 3, 4, 10].map((n) => bookingRetryDelayMs(n, 100, 500)),
    [100, 200, 400, 500, 500],
  );
});

t.test("a store's one-line address becomes label lines", async (t) => {
  t.same(
    storeLabel({ storeId: S1, code: 'HH', name: 'Hamburg', address: 'Kai 1, 20095 Hamburg' }, S1, 'DE'),
    {
      name: 'Hamburg',
      lines: ['Kai 1', '20095 Hamburg'],
      country: 'DE',
    },
  );
  t.same(
    storeLabel({ storeId: S1, code: 'WI', name: 'Wien', address: 'Ring 2, 1010 Wien, AT' }, S1, 'DE'),
    { name: 'Wien', lines: ['Ring 2', '1010 Wien'], country: 'AT' },
    'a trailing country code is the country, not a line',
  );
  t.same(storeLabel(undefined, S1, 'DE').lines, [S1], 'a store inventory did not describe');
});

t.test('return plans', async (t) => {
  const now = new Date('2026-12-10T12:00:00Z');
  const parcels = [
    {
      storeId: S1,
      status: 'delivered',
      deliveredAt: new Date('2026-12-01T00:00:00Z'),
      lines: [{ productId: P1, quantity: 1 }],
    },
    {
      storeId: S2,
      status: 'delivered',
      deliveredAt: new Date('2026-12-05T00:00:00Z'),
      lines: [
        { productId: P1, quantity: 1 },
        { productId: P2, quantity: 3 },
      ],
    },
  ];
  const orderLines = [
    { productId: P1, quantity: 2, unitPrice: { amount: '0.10', currency: 'EUR' } },
    { productId: P2, quantity: 3, unitPrice: { amount: '33.3333', currency: 'EUR' } },
  ];
  const base = { parcels, orderLines, alreadyReturned: new Map<string, number>(), windowDays: 30, now };
  const ok = planReturn({
    ...base,
    requested: [
      { productId: P2, quantity: 3 },
      { productId: P1, quantity: 2 },
    ],
  });
  t.ok(ok.ok);
  if (ok.ok) {
    t.same(
      ok.plan.lines.map((l) => l.amount.amount),
      ['99.9999', '0.20'],
      'exact: no float',
    );
    t.same(ok.plan.refund, { amount: '100.1999', currency: 'EUR' });
    t.equal(ok.plan.storeId, S2);
  }
  t.match(
    planReturn({
      ...base,
      now: new Date('2027-01-05T00:00:01Z'),
      requested: [{ productId: P1, quantity: 1 }],
    }),
    {
      ok: false,
      refusal: { kind: 'return-window-closed' },
    },
    'counted from the last delivery',
  );
  t.match(
    planReturn({ ...base, alreadyReturned: new Map([[P1, 1]]), requested: [{ productId: P1, quantity: 2 }] }),
    { ok: false, refusal: { kind: 'already-returned', returnable: 1 } },
  );
  t.match(
    planReturn({
      ...base,
      parcels: [parcels[0]!, { ...parcels[1]!, status: 'in_transit', deliveredAt: null }],
      requested: [{ productId: P1, quantity: 1 }],
    }),
    { ok: false, refusal: { kind: 'order-not-delivered' } },
  );
  t.equal(returnStore(parcels, [{ productId: P1, quantity: 1 }]), S1, 'a tie goes to the lowest store id');
});
