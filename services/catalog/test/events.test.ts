import { validateEvent } from '@mercato/contracts';
import { eventually, tapExchange } from '@mercato/testing';
import t from 'tap';
import { bookBody, createCategory, createProduct, startCatalog } from './helpers.ts';

t.test('product.created|updated|deleted reach RabbitMQ, valid against their contracts', async (t) => {
  const c = await startCatalog(t);
  // A queue of the test's own, bound to the catalog's (unique) exchange.
  const { messages: received } = await tapExchange(c.exchange, { pattern: 'product.*', t });

  await createCategory(c, 'books');
  const product = await createProduct(c, bookBody({ price: { amount: '12.5', currency: 'EUR' } }));
  await eventually(async () => {
    if (received.length < 1) throw new Error('no event yet');
  });
  const created = received[0]!;
  t.equal(created.routingKey, 'product.created');
  t.match(created.envelope, { type: 'product.created', version: 1, source: 'catalog' });
  t.match(created.envelope.id, /^[0-9a-f-]{36}$/);
  t.same(created.envelope.data, {
    productId: product.id,
    name: product.name,
    price: { amount: '12.50', currency: 'EUR' },
    active: true,
    category: 'books',
    version: 1,
  });
  t.same(validateEvent('product.created', 1, created.envelope.data), { ok: true });

  const patch = await c.app.inject({
    method: 'PATCH',
    url: `/products/${product.id}`,
    headers: c.admin,
    payload: { active: false, price: { amount: '9.99', currency: 'EUR' } },
  });
  t.equal(patch.statusCode, 200);
  const del = await c.app.inject({ method: 'DELETE', url: `/products/${product.id}`, headers: c.admin });
  t.equal(del.statusCode, 204);
  await eventually(async () => {
    if (received.length < 3) throw new Error(`${received.length} events so far`);
  });
  const [, updated, deleted] = received;
  t.equal(updated!.routingKey, 'product.updated');
  t.match(updated!.envelope.data, {
    productId: product.id,
    active: false,
    price: { amount: '9.99', currency: 'EUR' },
    version: 2,
  });
  t.same(validateEvent('product.updated', 1, updated!.envelope.data), { ok: true });
  t.equal(deleted!.routingKey, 'product.deleted');
  t.same(deleted!.envelope.data, { productId: product.id, version: 3 }, 'newer than the last snapshot');
  t.same(validateEvent('product.deleted', 1, deleted!.envelope.data), { ok: true });
  t.equal(new Set(received.map((r) => r.envelope.id)).size, 3, 'one id per event');

  // A refused write publishes nothing: the event only exists in the transaction that commits.
  const dup = await c.app.inject({
    method: 'POST',
    url: '/products',
    headers: c.admin,
    payload: bookBody({ name: product.name }),
  });
  t.equal(dup.statusCode, 201, 'the deleted product name is free again');
  const refused = await c.app.inject({
    method: 'POST',
    url: '/products',
    headers: c.admin,
    payload: bookBody({ name: dup.json().name }),
  });
  t.equal(refused.statusCode, 409);
  const marker = await createProduct(c, bookBody());
  await eventually(async () => {
    if (!received.some((r) => (r.envelope.data as { productId?: string }).productId === marker.id)) {
      throw new Error('marker not yet received');
    }
  });
  t.same(
    received.slice(3).map((r) => [r.routingKey, (r.envelope.data as { productId: string }).productId]),
    [
      ['product.created', dup.json().id],
      ['product.created', marker.id],
    ],
    'nothing between the accepted writes for the refused one',
  );
});
