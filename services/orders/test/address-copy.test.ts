// orders' copy of identity's addresses (address.changed): an address in the copy is shipped to
// without asking identity (the test book behind it counts its reads and can be made to fail), an
// address the copy has not heard of is read synchronously as before, a deleted one is the 422, and
// events applied out of order leave the newest version.
import type { AddressChanged } from '@mercato/contracts';
import { envelope } from '@mercato/messaging';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { deliver, type Setup, setup, TEST_ADDRESS } from './helpers.ts';

const card = { type: 'card' as const, token: 'tok_visa' };
const PROBLEM_BASE = 'https://mercato.dev/problems/';

const street = (n: number) => ({
  recipient: 'Grace Hopper',
  street: `${n} Compiler Lane`,
  city: 'Arlington',
  postalCode: '22201',
  country: 'US',
});

const changed = (data: AddressChanged) => envelope('address.changed', data, { source: 'identity' });

const copyOf = async (s: Setup, addressId: string) =>
  (
    await s.app.orm.em
      .fork()
      .execute(
        `select version, deleted, recipient, street from "${s.schema}".address_copy where address_id = ?`,
        [addressId],
      )
  )[0];

async function order(s: Setup, token: string, productId: string, shippingAddressId: string) {
  return s.app.inject({
    method: 'POST',
    url: '/orders',
    headers: s.bearer(token),
    payload: { lines: [{ productId, quantity: 1 }], shippingAddressId, paymentMethod: card },
  });
}

t.test('an address in the copy is shipped to without asking identity', async (t) => {
  const s = await setup(t);
  const book = await s.seedProduct({ price: { amount: '5.00', currency: 'EUR' } });
  const id = uuidv7();
  await deliver(
    s,
    changed({ addressId: id, userId: s.customer.id, version: 1, deleted: false, address: street(1) }),
  );
  s.addresses.state.down = true; // identity would answer 503: it must not be asked
  const res = await order(s, s.customer.token, book.productId, id);
  t.equal(res.statusCode, 201, res.body);
  t.same(res.json().shippingAddress, {
    name: 'Grace Hopper',
    street: '1 Compiler Lane',
    city: 'Arlington',
    postalCode: '22201',
    country: 'US',
  });
  t.same(s.addresses.state.reads, [], 'identity was not read');

  // The copy knows whose it is: another customer's address is the same 422 as ever, still unasked.
  const theirs = await order(s, s.other.token, book.productId, id);
  t.equal(theirs.statusCode, 422);
  t.equal(theirs.json().type, `${PROBLEM_BASE}unknown-shipping-address`);
  t.same(s.addresses.state.reads, []);
});

t.test('an address the copy has not heard of is read from identity, as before', async (t) => {
  const s = await setup(t);
  const book = await s.seedProduct({ price: { amount: '5.00', currency: 'EUR' } });
  const fresh = uuidv7(); // created a moment ago: its event is not here yet
  const res = await order(s, s.customer.token, book.productId, fresh);
  t.equal(res.statusCode, 201, res.body);
  t.same(res.json().shippingAddress, TEST_ADDRESS, "identity's answer");
  t.same(
    s.addresses.state.reads.map((r) => r.id),
    [fresh],
    'one synchronous read',
  );
  t.equal(s.addresses.state.reads[0]!.authorization, `Bearer ${s.customer.token}`, 'as the caller');
  t.notOk(await copyOf(s, fresh), 'the read is not stored: the copy is written from events only');

  s.addresses.state.down = true;
  const down = await order(s, s.customer.token, book.productId, uuidv7());
  t.equal(down.statusCode, 503, "a miss while identity is down is identity's 503");
});

t.test('a deleted address is the 422, without asking identity', async (t) => {
  const s = await setup(t);
  const book = await s.seedProduct({ price: { amount: '5.00', currency: 'EUR' } });
  const id = uuidv7();
  await deliver(
    s,
    changed({ addressId: id, userId: s.customer.id, version: 1, deleted: false, address: street(1) }),
    changed({ addressId: id, userId: s.customer.id, version: 2, deleted: true }),
  );
  t.match(await copyOf(s, id), { version: 2, deleted: true, recipient: null, street: null }, 'a tombstone');
  const before = await s.counts();
  const res = await order(s, s.customer.token, book.productId, id);
  t.equal(res.statusCode, 422);
  t.match(res.json(), {
    type: `${PROBLEM_BASE}unknown-shipping-address`,
    errors: [{ path: 'body/shippingAddressId' }],
  });
  t.same(s.addresses.state.reads, [], 'identity was not read');
  t.same(await s.counts(), before, 'nothing written');
});

t.test('events applied out of order leave the newest version', async (t) => {
  const s = await setup(t);
  const book = await s.seedProduct({ price: { amount: '5.00', currency: 'EUR' } });
  const id = uuidv7();
  const v = (version: number) =>
    changed({ addressId: id, userId: s.customer.id, version, deleted: false, address: street(version) });
  await deliver(s, v(3), v(2), v(1));
  t.match(
    await copyOf(s, id),
    { version: 3, street: '3 Compiler Lane' },
    'older edits arriving late changed nothing',
  );
  const placed = await order(s, s.customer.token, book.productId, id);
  t.equal(placed.statusCode, 201);
  t.equal(placed.json().shippingAddress.street, '3 Compiler Lane');

  const edited = changed({
    addressId: id,
    userId: s.customer.id,
    version: 4,
    deleted: false,
    address: { street: '4 Compiler Lane', city: 'Arlington', postalCode: '22201', country: 'US' },
  });
  await deliver(s, edited);
  t.match(
    await copyOf(s, id),
    { version: 4, recipient: null, street: '4 Compiler Lane' },
    'a newer edit applies',
  );

  // A deletion, then a change older than it arriving late: the address stays deleted.
  await deliver(s, changed({ addressId: id, userId: s.customer.id, version: 5, deleted: true }), v(4));
  t.match(await copyOf(s, id), { version: 5, deleted: true, street: null }, 'not brought back');
  t.equal((await order(s, s.customer.token, book.productId, id)).statusCode, 422);
  t.same(s.addresses.state.reads, [], 'identity was never read');
});

t.test("user.erased drops the user's copies", async (t) => {
  const s = await setup(t);
  const mine = uuidv7();
  const theirs = uuidv7();
  await deliver(
    s,
    changed({ addressId: mine, userId: s.customer.id, version: 1, deleted: false, address: street(1) }),
    changed({ addressId: theirs, userId: s.other.id, version: 1, deleted: false, address: street(2) }),
  );
  await deliver(
    s,
    envelope(
      'user.erased',
      { userId: s.customer.id, email: 'gone@example.com', erasedAt: new Date().toISOString() },
      { source: 'identity' },
    ),
  );
  t.notOk(await copyOf(s, mine), "the erased user's copy is gone");
  t.ok(await copyOf(s, theirs), "another user's stays");
});
