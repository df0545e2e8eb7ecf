// Account erasure (user.erased): the customer's cart, its lines and their checkout Idempotency-Key
// answers are deleted; another customer's cart and guest carts stay; a second delivery changes nothing.
import type { UserErased } from '@mercato/contracts';
import { envelope } from '@mercato/messaging';
import t from 'tap';
import { addItem, newGuestCart, setup } from './helpers.ts';

const erased = (userId: string) =>
  envelope<UserErased>(
    'user.erased',
    { userId, email: 'ada@example.com', erasedAt: new Date().toISOString() },
    { source: 'identity' },
  );

t.test("user.erased deletes the user's cart and what the cart keeps about them", async (t) => {
  const s = await setup(t);
  const p = await s.seedProduct({ price: { amount: '5.00', currency: 'EUR' } });
  await addItem(s, s.bearer(s.customer.token), p.productId, 2);
  await addItem(s, s.bearer(s.other.token), p.productId, 1);
  const guest = await newGuestCart(s);
  await addItem(s, s.guest(guest.token), p.productId, 3);
  // A checkout's stored answer, as the idempotency store keeps it (an order with its address).
  await s.sql(
    `insert into "${s.schema}".idempotency_key (user_id, key, fingerprint, status_code, response)
     values (?, 'k1', 'f', 201, ?::jsonb), (?, 'k1', 'f', 201, '{}'::jsonb)`,
    [
      s.customer.id,
      JSON.stringify({ order: { shippingAddress: { street: '1 Analytical St' } } }),
      s.other.id,
    ],
  );
  const count = async (sql: string, params: unknown[]) => {
    const [row] = await s.sql(sql, params);
    return row.n as number;
  };
  const cartsOf = (userId: string) =>
    count(`select count(*)::int as n from "${s.schema}".cart where user_id = ?`, [userId]);
  const keysOf = (userId: string) =>
    count(`select count(*)::int as n from "${s.schema}".idempotency_key where user_id = ?`, [userId]);
  const lines = () => count(`select count(*)::int as n from "${s.schema}".cart_line`, []);
  t.equal(await cartsOf(s.customer.id), 1);
  t.equal(await lines(), 3);

  const event = erased(s.customer.id);
  await s.publish(event);
  await s.handled(event);

  t.equal(await cartsOf(s.customer.id), 0, 'the cart is gone');
  t.equal(await lines(), 2, 'with its lines; the others stay');
  t.equal(await keysOf(s.customer.id), 0, 'the checkout answers are gone');
  t.equal(await cartsOf(s.other.id), 1, "another customer's cart stays");
  t.equal(await keysOf(s.other.id), 1, "another customer's keys stay");
  const guestCart = await s.app.inject({ method: 'GET', url: '/carts/me', headers: s.guest(guest.token) });
  t.equal(guestCart.statusCode, 200);
  t.equal(guestCart.json().lines.length, 1, 'guest carts stay');

  const again = erased(s.customer.id);
  await s.publish(again);
  await s.handled(again);
  t.equal(await lines(), 2, 'a second erasure changes nothing');
  t.equal(await cartsOf(s.other.id), 1);
});
