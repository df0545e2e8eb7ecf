import t from 'tap';
import { type KnownPrice, mergeLines, orderTotal, priceLines } from '../src/domain/pricing.ts';
import {
  assertTransition,
  canTransition,
  IllegalTransitionError,
  isCancellable,
  linesEditable,
  ORDER_STATUSES,
  type OrderStatus,
} from '../src/domain/status.ts';
import { placementFingerprint as requestFingerprint } from '../src/use-cases/place-order.ts';

t.test('the status machine allows exactly the transitions of DESIGN.md', async (t) => {
  const legal = new Set([
    'PENDING>CONFIRMED',
    'PENDING>CANCELLED',
    'CONFIRMED>SHIPPED',
    'CONFIRMED>CANCELLED',
    'SHIPPED>DELIVERED',
  ]);
  for (const from of ORDER_STATUSES) {
    for (const to of ORDER_STATUSES) {
      t.equal(canTransition(from, to), legal.has(`${from}>${to}`), `${from} → ${to}`);
    }
  }
  t.throws(() => assertTransition('DELIVERED', 'CANCELLED'), IllegalTransitionError);
  t.throws(() => assertTransition('CANCELLED', 'CONFIRMED'), IllegalTransitionError);
  t.doesNotThrow(() => assertTransition('PENDING', 'CONFIRMED'));
  t.same(
    ORDER_STATUSES.filter((s: OrderStatus) => isCancellable(s)),
    ['PENDING', 'CONFIRMED'],
  );
  t.same(
    ORDER_STATUSES.filter((s: OrderStatus) => linesEditable(s)),
    ['PENDING'],
  );
});

t.test('pricing snapshots the read model and refuses what cannot be sold', async (t) => {
  const a = '0190a000-0000-7000-8000-00000000000a';
  const b = '0190a000-0000-7000-8000-00000000000b';
  const c = '0190a000-0000-7000-8000-00000000000c';
  const prices = new Map<string, KnownPrice>([
    [a, { productId: a, name: 'A', amount: '10.5000', currency: 'EUR', active: true }],
    [b, { productId: b, name: 'B', amount: '0.99', currency: 'EUR', active: false }],
    [c, { productId: c, name: 'C', amount: '5', currency: 'USD', active: true }],
  ]);
  const merged = mergeLines([
    { productId: a, quantity: 1 },
    { productId: a, quantity: 2 },
  ]);
  t.same(merged, [{ productId: a, quantity: 3 }], 'the same product twice is one line');
  const ok = priceLines(merged, prices);
  t.ok(ok.ok);
  if (ok.ok) {
    t.same(ok.lines, [{ productId: a, name: 'A', quantity: 3, unitAmount: '10.50', currency: 'EUR' }]);
    t.equal(orderTotal(ok.lines), '31.50');
  }
  const unknown = '0190a000-0000-7000-8000-0000000000ff';
  t.same(priceLines([{ productId: unknown, quantity: 1 }], prices), {
    ok: false,
    error: { kind: 'unknown_products', productIds: [unknown] },
  });
  t.same(priceLines([{ productId: b, quantity: 1 }], prices), {
    ok: false,
    error: { kind: 'inactive_products', productIds: [b] },
  });
  t.same(
    priceLines(
      [
        { productId: a, quantity: 1 },
        { productId: c, quantity: 1 },
      ],
      prices,
    ),
    { ok: false, error: { kind: 'mixed_currencies', currencies: ['EUR', 'USD'] } },
  );
});

t.test('an idempotency fingerprint ignores key and line order but not content', async (t) => {
  const base = {
    lines: [
      { productId: 'p1', quantity: 1 },
      { productId: 'p2', quantity: 2 },
    ],
    shippingAddressId: 's',
    paymentMethod: { type: 'card', token: 'tok' },
  };
  const reordered = {
    paymentMethod: { token: 'tok', type: 'card' },
    shippingAddressId: 's',
    lines: [
      { quantity: 2, productId: 'p2' },
      { productId: 'p1', quantity: 1 },
    ],
  };
  t.equal(requestFingerprint(base), requestFingerprint(reordered));
  t.not(requestFingerprint(base), requestFingerprint({ ...base, shippingAddressId: 'other' }));
  t.not(
    requestFingerprint(base),
    requestFingerprint({ ...base, lines: [{ productId: 'p1', quantity: 2 }, base.lines[1]!] }),
  );
});
