// Account erasure (user.erased): the user's orders stay, with lines, totals and history, and lose
// the shipping address snapshot (shown as null); their Idempotency-Key answers are forgotten; other
// users' orders are untouched; a second delivery changes nothing.
import type { UserErased } from '@mercato/contracts';
import { envelope } from '@mercato/messaging';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { handled, placeOrder, setup, TEST_ADDRESS } from './helpers.ts';

const erased = (userId: string) =>
  envelope<UserErased>(
    'user.erased',
    { userId, email: 'ada@example.com', erasedAt: new Date().toISOString() },
    { source: 'identity' },
  );

t.test("user.erased removes the address snapshot of the user's orders; orders stay", async (t) => {
  const s = await setup(t);
  const p = await s.seedProduct({ price: { amount: '4.25', currency: 'EUR' } });
  const first = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 2 }]);
  const keyed = await s.app.inject({
    method: 'POST',
    url: '/orders',
    headers: { ...s.bearer(s.customer.token), 'idempotency-key': uuidv7() },
    payload: {
      lines: [{ productId: p.productId, quantity: 1 }],
      shippingAddressId: uuidv7(),
      paymentMethod: { type: 'card', token: 'tok_visa' },
    },
  });
  t.equal(keyed.statusCode, 201);
  const second = keyed.json();
  const theirs = await placeOrder(s, s.other.token, [{ productId: p.productId, quantity: 1 }]);
  t.same(first.shippingAddress, TEST_ADDRESS, 'the snapshot before');
  const keysOf = async (userId: string) => {
    const [{ n }] = await s.app.orm.em
      .fork()
      .execute(`select count(*)::int as n from "${s.schema}".idempotency_key where user_id = ?`, [userId]);
    return n as number;
  };
  t.equal(await keysOf(s.customer.id), 1);

  const event = erased(s.customer.id);
  await s.publish(event);
  await handled(s, event);

  for (const before of [first, second]) {
    const res = await s.app.inject({
      method: 'GET',
      url: `/orders/${before.id}`,
      headers: s.bearer(s.admin.token),
    });
    t.equal(res.statusCode, 200);
    const after = res.json();
    t.equal(after.shippingAddress, null, 'the address is shown as erased');
    t.notOk(JSON.stringify(after).includes(TEST_ADDRESS.street), 'nothing of the address is left');
    t.same(after.lines, before.lines, 'the lines stay');
    t.same(after.total, before.total, 'the total stays');
    t.match(after, { id: before.id, status: before.status, userId: s.customer.id });
    t.equal(after.version, before.version + 1, 'a change of the order (ETag)');
    t.equal(res.headers.etag, `"${after.version}"`);
  }
  const listed = await s.app.inject({
    method: 'GET',
    url: `/orders?userId=${s.customer.id}`,
    headers: s.bearer(s.admin.token),
  });
  t.equal(listed.json().total, 2, 'the orders still exist');
  t.ok(listed.json().items.every((o: any) => o.shippingAddress === null));
  const [row] = await s.app.orm.em
    .fork()
    .execute(
      `select count(*)::int as n from "${s.schema}".orders where user_id = ? and shipping_address is not null`,
      [s.customer.id],
    );
  t.equal(row.n, 0, 'no address left in the table');
  t.equal(await keysOf(s.customer.id), 0, 'the Idempotency-Key answers (showing the address) are gone');

  const other = (
    await s.app.inject({ method: 'GET', url: `/orders/${theirs.id}`, headers: s.bearer(s.admin.token) })
  ).json();
  t.same(other.shippingAddress, TEST_ADDRESS, "another customer's order is untouched");
  t.equal(other.version, theirs.version);

  // Erased again (a new message: identity re-announcing): nothing changes.
  const versions = await Promise.all(
    [first, second].map(
      async (o) =>
        (
          await s.app.inject({ method: 'GET', url: `/orders/${o.id}`, headers: s.bearer(s.admin.token) })
        ).json().version,
    ),
  );
  const repeat = erased(s.customer.id);
  await s.publish(repeat);
  await handled(s, repeat);
  for (const [i, o] of [first, second].entries()) {
    const now = (
      await s.app.inject({ method: 'GET', url: `/orders/${o.id}`, headers: s.bearer(s.admin.token) })
    ).json();
    t.equal(now.version, versions[i], 'an erased order is not changed again');
  }

  // The order still moves on: its status and lines are intact (admin ships it).
  const status = await s.app.inject({
    method: 'GET',
    url: `/orders/${first.id}/status`,
    headers: s.bearer(s.admin.token),
  });
  t.equal(status.statusCode, 200);
  t.equal(status.json().history.length, 1, 'the history stays');
});

t.test('an order placed before address snapshots existed shows none, not an erased one', async (t) => {
  const s = await setup(t);
  const p = await s.seedProduct({ price: { amount: '1.00', currency: 'EUR' } });
  const order = await placeOrder(s, s.customer.token, [{ productId: p.productId, quantity: 1 }]);
  await s.app.orm.em
    .fork()
    .execute(`update "${s.schema}".orders set shipping_address = null where id = ?`, [order.id]);
  const res = await s.app.inject({
    method: 'GET',
    url: `/orders/${order.id}`,
    headers: s.bearer(s.admin.token),
  });
  t.notOk('shippingAddress' in res.json(), 'absent, as before');
});
