import t from 'tap';
import { contracts, validateEvent } from '../src/index.ts';

const uuid = '0190c3b4-7c1e-7000-8000-000000000001';

t.test('a valid order.placed passes', async (t) => {
  const result = validateEvent('order.placed', 1, {
    orderId: uuid,
    userId: uuid,
    revision: 1,
    lines: [{ itemId: uuid, productId: uuid, quantity: 2, unitPrice: { amount: '12.50', currency: 'EUR' } }],
    total: { amount: '25.00', currency: 'EUR' },
    paymentMethod: { type: 'card', token: 'tok_visa' },
    shippingAddressId: uuid,
  });
  t.same(result, { ok: true });
});

t.test('money as a float is rejected', async (t) => {
  const result = validateEvent('payment.succeeded', 1, {
    paymentId: uuid,
    orderId: uuid,
    userId: uuid,
    revision: 1,
    amount: { amount: 12.5, currency: 'EUR' },
    providerRef: 'ch_1',
  });
  t.equal(result.ok, false);
  if (!result.ok) t.match(result.errors.join(), /amount/);
});

t.test('an unknown type or version is an error, not a pass', async (t) => {
  t.equal(validateEvent('order.exploded', 1, {}).ok, false);
  t.equal(validateEvent('order.placed', 99, {}).ok, false);
});

t.test('every contract has a version 1', async (t) => {
  for (const [type, versions] of Object.entries(contracts)) t.ok(versions[1], type);
});
