// The pure rules: pricing and flags of a cart, and its limits.
import t from 'tap';
import {
  type CartFields,
  type KnownProduct,
  type LineFields,
  linesNeedingAttention,
  priceCart,
} from '../src/domain/cart.ts';
import { addViolation } from '../src/domain/limits.ts';
import { hashCartToken, isWellFormedToken, newCartToken } from '../src/domain/token.ts';

const cart: CartFields = {
  id: 'c',
  userId: null,
  version: 3,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  expiresAt: null,
};
let n = 0;
const line = (productId: string, quantity: number, amount: string, currency = 'EUR'): LineFields => ({
  id: `l${++n}`,
  productId,
  name: `name ${productId}`,
  quantity,
  addedAmount: amount,
  addedCurrency: currency,
  addedAt: new Date(n * 1000),
});
const product = (productId: string, amount: string, extra: Partial<KnownProduct> = {}): KnownProduct => ({
  productId,
  name: `now ${productId}`,
  amount,
  currency: 'EUR',
  active: true,
  deleted: false,
  ...extra,
});

t.test('an empty cart: zero in the default currency', async (t) => {
  const priced = priceCart(cart, [], new Map(), new Map(), 'EUR');
  t.same(priced.total, { amount: '0.00', currency: 'EUR' });
  t.equal(priced.itemCount, 0);
});

t.test('flags and the total over counted lines only', async (t) => {
  const lines = [
    line('a', 2, '10.00'),
    line('b', 3, '1.10'),
    line('c', 1, '5.00'),
    line('d', 4, '2.00'),
    line('e', 1, '1.00', 'USD'),
  ];
  const products = new Map([
    ['a', product('a', '10.0000')],
    ['b', product('b', '1.25')],
    ['c', product('c', '5.00', { active: false })],
    ['e', product('e', '1.00', { currency: 'USD' })],
  ]);
  const stock = new Map([
    ['a', { available: 2, availability: 'low' as const }],
    ['b', { available: 2, availability: 'low' as const }],
  ]);
  const priced = priceCart(cart, lines, products, stock, 'EUR');
  const flags = Object.fromEntries(priced.lines.map((l) => [l.productId, l.flags]));
  t.same(flags, {
    a: [],
    b: ['price_changed', 'short_of_stock'],
    c: ['inactive'],
    d: ['inactive'],
    e: ['currency_mismatch'],
  });
  t.same(priced.lines[1]!.changes.price, {
    from: { amount: '1.10', currency: 'EUR' },
    to: { amount: '1.25', currency: 'EUR' },
  });
  t.equal(priced.lines[3]!.name, 'name d', 'a product the read model lost keeps the line name');
  t.same(priced.total, { amount: '20.00', currency: 'EUR' }, 'only a is counted');
  t.equal(priced.itemCount, 11);
  t.same(
    linesNeedingAttention(priced, true).map((l) => l.productId),
    ['b', 'c', 'd', 'e'],
  );
  const onlyPrice = priceCart(
    cart,
    [line('x', 1, '1.00')],
    new Map([['x', product('x', '2.00')]]),
    new Map(),
    'EUR',
  );
  t.equal(linesNeedingAttention(onlyPrice, false).length, 1);
  t.equal(linesNeedingAttention(onlyPrice, true).length, 0, 'confirmed prices');
});

t.test('limits', async (t) => {
  const limits = { maxLines: 2, maxLineQuantity: 10 };
  t.equal(addViolation(limits, 1, 'p', undefined, 10), null);
  t.same(addViolation(limits, 2, 'p', undefined, 1), { kind: 'too_many_lines', maxLines: 2 });
  t.equal(addViolation(limits, 2, 'p', 3, 7), null, 'more of a product already there is no new line');
  t.same(addViolation(limits, 2, 'p', 3, 8), {
    kind: 'quantity_too_large',
    productId: 'p',
    quantity: 11,
    maxQuantity: 10,
  });
});

t.test('tokens: 43 base64url characters, hashed with SHA-256', async (t) => {
  const token = newCartToken();
  t.ok(isWellFormedToken(token));
  t.not(newCartToken(), token);
  t.notOk(isWellFormedToken(`${token}=`));
  t.match(hashCartToken(token), /^[0-9a-f]{64}$/);
});
