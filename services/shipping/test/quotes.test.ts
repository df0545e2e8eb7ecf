// Quotes are honoured: GET /shippings/quotes/{id} answers what was quoted even after the rate table
// changed (and after expiry, until swept). The rate table: admin GET with ETag, PUT with If-Match that
// makes a new version, validated (4xx problems that change nothing).
import t from 'tap';
import { sweepExpiredQuotes } from '../src/persistence/quotes.ts';
import { PROBLEM, PROBLEMS, type Setup, setup, uuidv7 } from './helpers.ts';

const getTable = (s: Setup, token: string) =>
  s.app.inject({ method: 'GET', url: '/shippings/rate-table', headers: s.bearer(token) });
const putTable = (s: Setup, token: string, body: unknown, ifMatch?: string) =>
  s.app.inject({
    method: 'PUT',
    url: '/shippings/rate-table',
    headers: { ...s.bearer(token), ...(ifMatch ? { 'if-match': ifMatch } : {}) },
    payload: body as object,
  });
const getQuote = (s: Setup, id: string) => s.app.inject({ method: 'GET', url: `/shippings/quotes/${id}` });

const levels = (standard: [number, string][], express: [number, string][]) => ({
  standard: {
    estimatedDays: { min: 2, max: 4 },
    bands: standard.map(([maxWeightGrams, price]) => ({ maxWeightGrams, price })),
  },
  express: {
    estimatedDays: { min: 1, max: 2 },
    bands: express.map(([maxWeightGrams, price]) => ({ maxWeightGrams, price })),
  },
});
/** A small table: Germany, and the world for the rest; express only up to 5 kg. */
const smallTable = (domesticStandard = '5.50') => ({
  currency: 'EUR',
  zones: [
    { name: 'domestic', countries: ['DE'], levels: levels([[10_000, domesticStandard]], [[5_000, '15.00']]) },
    { name: 'world', countries: [], levels: levels([[10_000, '30.00']], [[5_000, '60.00']]) },
  ],
});

t.test('the rate table: seeded, read with its ETag, replaced with If-Match', async (t) => {
  const s = await setup(t);
  const seeded = await getTable(s, s.admin.token);
  t.equal(seeded.statusCode, 200);
  t.equal(seeded.headers.etag, '"1"');
  const table = seeded.json();
  t.equal(table.version, 1);
  t.equal(table.currency, 'EUR');
  t.same(
    table.zones.map((z: any) => z.name),
    ['domestic', 'eu', 'world'],
  );
  t.same(table.zones[0].countries, ['DE']);
  t.ok(table.zones[1].countries.includes('FR') && !table.zones[1].countries.includes('DE'));

  const put = await putTable(s, s.admin.token, smallTable(), '"1"');
  t.equal(put.statusCode, 200, put.body);
  t.equal(put.headers.etag, '"2"');
  t.match(put.json(), { version: 2, currency: 'EUR', zones: smallTable().zones });
  t.equal((await getTable(s, s.admin.token)).headers.etag, '"2"');

  const stale = await putTable(s, s.admin.token, smallTable('6.00'), '"1"');
  t.equal(stale.statusCode, 412, 'a PUT based on version 1 is stale now');
  t.equal(stale.json().type, `${PROBLEMS}precondition-failed`);
  t.equal((await getTable(s, s.admin.token)).json().version, 2, 'and changed nothing');

  const unconditional = await putTable(s, s.admin.token, smallTable('6.00'));
  t.equal(unconditional.json().version, 3, 'no If-Match: unconditional');

  t.test('only admins', async (t) => {
    const anonymous = await s.app.inject({ method: 'GET', url: '/shippings/rate-table' });
    t.equal(anonymous.statusCode, 401);
    t.equal((await getTable(s, s.customer.token)).statusCode, 403);
    const customerPut = await putTable(s, s.customer.token, smallTable('0.01'));
    t.equal(customerPut.statusCode, 403);
    t.equal(customerPut.headers['content-type'], PROBLEM);
    const anonymousPut = await s.app.inject({
      method: 'PUT',
      url: '/shippings/rate-table',
      payload: smallTable(),
    });
    t.equal(anonymousPut.statusCode, 401);
    t.equal((await getTable(s, s.admin.token)).json().version, 3, 'nothing changed');
  });
});

t.test('a malformed or invalid table is refused and changes nothing', async (t) => {
  const s = await setup(t);
  const base = smallTable();
  const withZone = (i: number, zone: object) => ({
    ...base,
    zones: base.zones.map((z, j) => (j === i ? { ...z, ...zone } : z)),
  });
  const cases: [string, unknown, number, string][] = [
    ['no zones', { currency: 'EUR', zones: [] }, 400, 'validation-error'],
    [
      'a price as a number',
      withZone(0, { levels: levels([[10_000, 5.5 as any]], [[5_000, '15.00']]) }),
      400,
      'validation-error',
    ],
    [
      'a price with 3 decimals',
      withZone(0, { levels: levels([[10_000, '5.505']], [[5_000, '15.00']]) }),
      400,
      'validation-error',
    ],
    [
      'a negative price',
      withZone(0, { levels: levels([[10_000, '-1.00']], [[5_000, '15.00']]) }),
      400,
      'validation-error',
    ],
    [
      'a zone without express',
      withZone(0, { levels: { standard: levels([[1, '1.00']], []).standard } }),
      400,
      'validation-error',
    ],
    ['no bands', withZone(0, { levels: levels([], [[5_000, '15.00']]) }), 400, 'validation-error'],
    ['a lower-case country', withZone(0, { countries: ['de'] }), 400, 'validation-error'],
    [
      'bands not ascending',
      withZone(0, {
        levels: levels(
          [
            [5_000, '5.00'],
            [2_000, '4.00'],
          ],
          [[5_000, '15.00']],
        ),
      }),
      422,
      'invalid-rate-table',
    ],
    [
      'two bands of one weight',
      withZone(0, {
        levels: levels(
          [
            [5_000, '5.00'],
            [5_000, '6.00'],
          ],
          [[5_000, '15.00']],
        ),
      }),
      422,
      'invalid-rate-table',
    ],
    [
      'a country in two zones',
      { ...base, zones: [...base.zones, { ...base.zones[0], name: 'home' }] },
      422,
      'invalid-rate-table',
    ],
    [
      'a zone name twice',
      { ...base, zones: [...base.zones, { ...base.zones[0], countries: ['AT'] }] },
      422,
      'invalid-rate-table',
    ],
    ['no such country', withZone(0, { countries: ['XX'] }), 422, 'invalid-rate-table'],
    ['world listing countries', withZone(1, { countries: ['US'] }), 422, 'invalid-rate-table'],
    ['a zone with no country', withZone(0, { countries: [] }), 422, 'invalid-rate-table'],
    [
      'min days above max',
      withZone(0, {
        levels: {
          ...base.zones[0]!.levels,
          express: { estimatedDays: { min: 3, max: 1 }, bands: [{ maxWeightGrams: 5_000, price: '15.00' }] },
        },
      }),
      422,
      'invalid-rate-table',
    ],
    ['another currency', { ...base, currency: 'USD' }, 422, 'currency-not-supported'],
  ];
  for (const [name, body, status, slug] of cases) {
    const res = await putTable(s, s.admin.token, body, '"1"');
    t.equal(res.statusCode, status, `${name}: ${res.body}`);
    t.equal(res.headers['content-type'], PROBLEM);
    t.equal(res.json().type, `${PROBLEMS}${slug}`, name);
  }
  const ascending = await putTable(
    s,
    s.admin.token,
    withZone(0, {
      levels: levels(
        [
          [5_000, '5.00'],
          [2_000, '4.00'],
        ],
        [[5_000, '15.00']],
      ),
    }),
  );
  t.match(
    ascending.json().errors,
    [{ path: 'body/zones/0/levels/standard/bands/1/maxWeightGrams' }],
    'the issue is located',
  );
  const table = (await getTable(s, s.admin.token)).json();
  t.equal(table.version, 1, 'still the seeded table');
});

t.test('a quote is honoured: a rate table change after it leaves it unchanged', async (t) => {
  const s = await setup(t);
  const p = await s.seedProduct({ price: { amount: '10.00', currency: 'EUR' }, weightGrams: 1_000 });
  const lines = [{ productId: p.productId, quantity: 4 }]; // 4 kg
  const created = await s.app.inject({
    method: 'POST',
    url: '/shippings/rates',
    payload: { destination: { country: 'DE', postalCode: '80331' }, lines },
  });
  t.equal(created.statusCode, 201);
  const quote = created.json();
  t.same(
    quote.options.map((o: any) => o.price.amount),
    ['6.99', '14.99'],
  );

  t.equal((await putTable(s, s.admin.token, smallTable('8.80'), '"1"')).statusCode, 200);

  const read = await getQuote(s, quote.quoteId);
  t.equal(read.statusCode, 200);
  t.same(read.json(), quote, 'the very quote, prices and table version 1 included');

  const fresh = await s.app.inject({
    method: 'POST',
    url: '/shippings/rates',
    payload: { destination: { country: 'DE' }, lines },
  });
  t.equal(fresh.json().rateTableVersion, 2);
  t.same(
    fresh.json().options.map((o: any) => [o.level, o.price.amount]),
    [
      ['standard', '8.80'],
      ['express', '15.00'],
    ],
    'a new quote uses the new table',
  );

  t.test('a level the weight exceeds is not offered', async (t) => {
    const heavier = await s.app.inject({
      method: 'POST',
      url: '/shippings/rates',
      payload: { destination: { country: 'DE' }, lines: [{ productId: p.productId, quantity: 7 }] },
    });
    t.same(
      heavier.json().options.map((o: any) => o.level),
      ['standard'],
      '7 kg: express (up to 5 kg) is left out',
    );
    const tooHeavy = await s.app.inject({
      method: 'POST',
      url: '/shippings/rates',
      payload: { destination: { country: 'DE' }, lines: [{ productId: p.productId, quantity: 11 }] },
    });
    t.equal(tooHeavy.statusCode, 422);
    t.equal(tooHeavy.json().type, `${PROBLEMS}no-shipping-option`);
  });

  t.test('a table without the catch-all zone ships nowhere else', async (t) => {
    const domesticOnly = { currency: 'EUR', zones: [smallTable().zones[0]] };
    t.equal((await putTable(s, s.admin.token, domesticOnly)).statusCode, 200);
    const res = await s.app.inject({
      method: 'POST',
      url: '/shippings/rates',
      payload: { destination: { country: 'US' }, lines },
    });
    t.equal(res.statusCode, 422);
    t.match(res.json(), { type: `${PROBLEMS}no-shipping-option`, country: 'US' });
  });
});

t.test('GET /shippings/quotes/{id}: public, expired ones until swept, 404 otherwise', async (t) => {
  const s = await setup(t, { env: { QUOTE_RETENTION_HOURS: '2' } });
  const p = await s.seedProduct({ weightGrams: 100 });
  const make = async () =>
    (
      await s.app.inject({
        method: 'POST',
        url: '/shippings/rates',
        payload: { destination: { country: 'DE' }, lines: [{ productId: p.productId, quantity: 1 }] },
      })
    ).json();
  const expiredRecently = await make();
  const expiredLongAgo = await make();
  const live = await make();
  // Shift the quotes' lives into the past (both ends: a quote expires after it was made).
  const age = (id: string, hours: number) =>
    s.query(
      `update quote set created_at = created_at - $2 * interval '1 hour', expires_at = expires_at - $2 * interval '1 hour'
       where id = $1`,
      [id, hours],
    );
  await age(expiredRecently.quoteId, 2);
  await age(expiredLongAgo.quoteId, 4);

  const recent = await getQuote(s, expiredRecently.quoteId);
  t.equal(recent.statusCode, 200, 'an expired quote is still answered');
  t.ok(
    Date.parse(recent.json().expiresAt) < Date.parse(live.expiresAt),
    'with its expiry, for the caller to compare',
  );

  t.equal(
    await sweepExpiredQuotes(s.app.orm, 2),
    1,
    'the sweep deletes those expired longer than the retention',
  );
  const gone = await getQuote(s, expiredLongAgo.quoteId);
  t.equal(gone.statusCode, 404);
  t.equal(gone.headers['content-type'], PROBLEM);
  t.equal(gone.json().type, `${PROBLEMS}not-found`);
  t.equal((await getQuote(s, expiredRecently.quoteId)).statusCode, 200);
  t.equal((await getQuote(s, live.quoteId)).statusCode, 200);

  t.equal((await getQuote(s, uuidv7())).statusCode, 404, 'never made');
  const malformed = await getQuote(s, 'not-a-uuid');
  t.equal(malformed.statusCode, 400);
  t.equal(malformed.headers['content-type'], PROBLEM);
});
