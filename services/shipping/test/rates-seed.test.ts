// The first rate table: seeded once from RATE_TABLE_FILE (or the bundled file), never again once a table
// exists (an admin's change survives a restart); a bad file, or one in another currency than
// SHIPPING_CURRENCY, fails the start with the reasons.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { setup } from './helpers.ts';

const table = (currency: string, bands: { maxWeightGrams: number; price: string }[]) => {
  const levels = {
    standard: { estimatedDays: { min: 2, max: 3 }, bands },
    express: { estimatedDays: { min: 1, max: 1 }, bands },
  };
  return { currency, zones: [{ name: 'world', countries: [], levels }] };
};

t.test('a table from RATE_TABLE_FILE, seeded once', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'rates-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'table.json');
  await writeFile(file, JSON.stringify(table('EUR', [{ maxWeightGrams: 1000, price: '3.30' }])));
  const s = await setup(t, { env: { RATE_TABLE_FILE: file } });
  const read = await s.app.inject({
    method: 'GET',
    url: '/shippings/rate-table',
    headers: s.bearer(s.admin.token),
  });
  t.match(read.json(), {
    version: 1,
    zones: [{ name: 'world', levels: { standard: { bands: [{ price: '3.30' }] } } }],
  });

  const changed = table('EUR', [{ maxWeightGrams: 1000, price: '4.40' }]);
  const put = await s.app.inject({
    method: 'PUT',
    url: '/shippings/rate-table',
    headers: { ...s.bearer(s.admin.token), 'if-match': '"1"' },
    payload: changed,
  });
  t.equal(put.statusCode, 200);

  // Another replica (or a restart) on the same schema: the file is not seeded over the admin's table.
  const second = await buildApp(s.config, { jwks: s.auth.jwks, retryDelaysMs: [200, 500] });
  t.teardown(() => second.close());
  const again = await second.inject({
    method: 'GET',
    url: '/shippings/rate-table',
    headers: s.bearer(s.admin.token),
  });
  t.match(again.json(), { version: 2, zones: [{ levels: { standard: { bands: [{ price: '4.40' }] } } }] });
  const versions = await s.query('select version from rate_table order by version');
  t.same(
    versions.map((r: any) => r.version),
    [1, 2],
  );
});

t.test('a bad seed file fails the start, saying why', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'rates-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const descending = path.join(dir, 'descending.json');
  await writeFile(
    descending,
    JSON.stringify(
      table('EUR', [
        { maxWeightGrams: 2000, price: '5.00' },
        { maxWeightGrams: 1000, price: '4.00' },
      ]),
    ),
  );
  await t.rejects(setup(t, { env: { RATE_TABLE_FILE: descending } }), /bands must ascend/);
  const notJson = path.join(dir, 'broken.json');
  await writeFile(notJson, '{ "currency": ');
  await t.rejects(setup(t, { env: { RATE_TABLE_FILE: notJson } }), /cannot be read as JSON/);
  await t.rejects(
    setup(t, { env: { SHIPPING_CURRENCY: 'USD' } }),
    /is in EUR, but SHIPPING_CURRENCY is USD/,
    'the bundled EUR table under another currency',
  );
});
