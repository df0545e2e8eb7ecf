// address.changed: every add, replace and delete of an address (and each address an erasure deletes)
// is announced with the row version, committed with the change, for orders' copy of the addresses.
import { validateEvent } from '@mercato/contracts';
import { eventually, tapExchange } from '@mercato/testing';
import t from 'tap';
import { startIdentity } from './helpers.ts';

const home = {
  recipient: 'Ann Other',
  street: '1 Main St',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

t.test('address.changed', async (t) => {
  const s = await startIdentity(t);
  const tap = await tapExchange(s.exchange, { pattern: 'address.#', t });
  /** The address.changed events of `addressId` so far, once there are `count` of them. */
  const eventsOf = (addressId: string, count: number) =>
    eventually(async () => {
      const found = tap.received.filter(
        (e) => e.type === 'address.changed' && e.data.addressId === addressId,
      );
      if (found.length < count) throw new Error(`${found.length} of ${count} address.changed so far`);
      return found;
    });

  t.test('add, replace and delete each announce the address with a growing version', async (t) => {
    const c = await s.register();
    const added = await s.inject({ method: 'POST', url: '/addresses', token: c.accessToken, body: home });
    t.equal(added.statusCode, 201);
    const id = added.json().id;
    const [first] = await eventsOf(id, 1);
    t.match(first, {
      source: 'identity',
      type: 'address.changed',
      version: 1,
      data: { addressId: id, userId: c.id, deleted: false, address: home },
    });
    t.same(validateEvent('address.changed', 1, first!.data), { ok: true }, 'valid by the contract');

    const got = await s.inject({ method: 'GET', url: `/addresses/${id}`, token: c.accessToken });
    const { recipient: _dropped, ...withoutRecipient } = home;
    const put = await s.inject({
      method: 'PUT',
      url: `/addresses/${id}`,
      token: c.accessToken,
      headers: { 'if-match': got.headers.etag as string },
      body: { ...withoutRecipient, street: '2 Side St' },
    });
    t.equal(put.statusCode, 200);
    const [, replaced] = await eventsOf(id, 2);
    t.equal(replaced!.data.deleted, false);
    t.ok(replaced!.data.version > first!.data.version, 'the version grew');
    t.same(
      replaced!.data.address,
      { ...withoutRecipient, street: '2 Side St' },
      'the new text, without the cleared recipient',
    );
    t.equal(`"${replaced!.data.version}"`, put.headers.etag, 'the version is the row version (the ETag)');

    const del = await s.inject({ method: 'DELETE', url: `/addresses/${id}`, token: c.accessToken });
    t.equal(del.statusCode, 204);
    const [, , deleted] = await eventsOf(id, 3);
    t.match(deleted!.data, { addressId: id, userId: c.id, deleted: true });
    t.notOk('address' in deleted!.data, 'a deletion carries no address');
    t.ok(deleted!.data.version > replaced!.data.version, 'newer than every change before it');
    t.same(validateEvent('address.changed', 1, deleted!.data), { ok: true });
  });

  t.test('a refused change announces nothing', async (t) => {
    const c = await s.register();
    const id = (
      await s.inject({ method: 'POST', url: '/addresses', token: c.accessToken, body: home })
    ).json().id;
    await eventsOf(id, 1);
    const stale = await s.inject({
      method: 'PUT',
      url: `/addresses/${id}`,
      token: c.accessToken,
      headers: { 'if-match': '"99"' },
      body: { ...home, street: 'stale' },
    });
    t.equal(stale.statusCode, 412);
    const other = await s.register();
    const theirs = await s.inject({ method: 'DELETE', url: `/addresses/${id}`, token: other.accessToken });
    t.equal(theirs.statusCode, 404);
    // A later change of another address: once its event is here, an event of the refusals would be too
    // (one outbox, published in order).
    const marker = (
      await s.inject({ method: 'POST', url: '/addresses', token: c.accessToken, body: home })
    ).json().id;
    await eventsOf(marker, 1);
    t.equal((await eventsOf(id, 1)).length, 1, 'only the addition');
  });

  t.test('an account erasure announces the deletion of each address', async (t) => {
    const c = await s.register();
    const ids: string[] = [];
    for (const street of ['1 Main St', '2 Main St']) {
      const res = await s.inject({
        method: 'POST',
        url: '/addresses',
        token: c.accessToken,
        body: { ...home, street },
      });
      ids.push(res.json().id);
    }
    const erased = await s.inject({
      method: 'DELETE',
      url: '/auth/me',
      token: c.accessToken,
      body: { password: c.password },
    });
    t.equal(erased.statusCode, 204);
    for (const id of ids) {
      const [added, deleted] = await eventsOf(id, 2);
      t.match(deleted!.data, { addressId: id, userId: c.id, deleted: true });
      t.ok(deleted!.data.version > added!.data.version);
    }
  });
});
