// The product read model, fed by catalog's events over the broker: quotes price and weigh by the
// newest version; a late older event changes nothing; a deleted product is gone (an older update
// cannot bring it back); an inactive one cannot be quoted.
import type { ProductSnapshot } from '@mercato/contracts';
import t from 'tap';
import { PROBLEMS, type Setup, setup, uuidv7 } from './helpers.ts';

const quote = (s: Setup, productId: string) =>
  s.app.inject({
    method: 'POST',
    url: '/shippings/rates',
    payload: { destination: { country: 'DE' }, lines: [{ productId, quantity: 1 }] },
  });

t.test('product events update the read model, newest version wins', async (t) => {
  const s = await setup(t);
  const productId = uuidv7();
  const snapshot = (version: number, extra: Partial<ProductSnapshot> = {}): ProductSnapshot => ({
    productId,
    name: 'Atlas',
    price: { amount: '30.00', currency: 'EUR' },
    active: true,
    weightGrams: 1_500,
    version,
    ...extra,
  });
  const send = async (type: string, data: unknown) => {
    const e = s.event(type, data);
    await s.publish(e);
    await s.handled(e);
  };

  t.equal((await quote(s, productId)).json().type, `${PROBLEMS}unknown-product`, 'not heard of yet');

  await send('product.created', snapshot(1));
  let q = (await quote(s, productId)).json();
  t.match(q, { weightGrams: 1_500, subtotal: { amount: '30.00' } });

  await send(
    'product.updated',
    snapshot(3, { weightGrams: 2_500, price: { amount: '60.00', currency: 'EUR' } }),
  );
  await send(
    'product.updated',
    snapshot(2, { weightGrams: 100, price: { amount: '1.00', currency: 'EUR' } }),
  );
  q = (await quote(s, productId)).json();
  t.match(
    q,
    { weightGrams: 2_500, subtotal: { amount: '60.00' } },
    'version 3 held; the late version 2 ignored',
  );
  t.equal(q.options[0].price.amount, '0.00', 'priced by the new price: free standard shipping from 50.00');

  await send('product.updated', snapshot(4, { weightGrams: undefined }));
  t.equal((await quote(s, productId)).json().weightGrams, 500, 'the attribute removed: the default weight');

  await send('product.updated', snapshot(5, { active: false }));
  t.equal((await quote(s, productId)).json().type, `${PROBLEMS}product-inactive`);

  await send('product.deleted', { productId, version: 6 });
  const deleted = await quote(s, productId);
  t.equal(deleted.statusCode, 422);
  t.equal(deleted.json().type, `${PROBLEMS}unknown-product`, 'a deleted product is gone');

  await send('product.updated', snapshot(5));
  t.equal(
    (await quote(s, productId)).json().type,
    `${PROBLEMS}unknown-product`,
    'an older update does not revive it',
  );

  await send('product.updated', snapshot(7, { weightGrams: 800 }));
  t.equal((await quote(s, productId)).json().weightGrams, 800, 'a newer one does (catalog restored it)');
});

t.test('a product the read model lacks is asked of catalog once and kept; catalog away is 503', async (t) => {
  const s = await setup(t);
  const productId = uuidv7();
  s.catalog.products.set(productId, {
    id: productId,
    name: 'Old atlas',
    price: { amount: '20.00', currency: 'EUR' },
    active: true,
    attributes: { weightGrams: 2_000 },
    version: 4,
  });
  const first = await quote(s, productId);
  t.equal(first.statusCode, 201, first.body);
  t.match(
    first.json(),
    { weightGrams: 2_000, subtotal: { amount: '20.00' } },
    'priced and weighed as catalog has it',
  );
  t.equal((await quote(s, productId)).statusCode, 201);
  t.same(s.catalog.asked, [productId], 'asked once: then the read model knows it');

  const unknown = uuidv7();
  const missing = await quote(s, unknown);
  t.equal(missing.statusCode, 422, 'unknown to catalog too: 422');
  t.equal(missing.json().type, `${PROBLEMS}unknown-product`);

  s.catalog.answerAll(503);
  const away = await quote(s, uuidv7());
  t.equal(away.statusCode, 503, 'catalog away: 503, nothing stored');
  t.equal(away.json().type, `${PROBLEMS}upstream-unavailable`);
  t.equal(
    (await s.query('select count(*)::int as n from quote')).at(0).n,
    2,
    'the refused quotes stored nothing',
  );
});
