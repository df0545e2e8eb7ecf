// The rate rules without I/O: zones, bands, free shipping, merging, and table validation.
import t from 'tap';
import {
  type KnownProduct,
  mergeLines,
  quoteShipping,
  validateRateTable,
  zoneFor,
} from '../src/domain/rates.ts';
import type { RateTable } from '../src/domain/rates-schema.ts';

const level = (bands: [number, string][]) => ({
  estimatedDays: { min: 1, max: 2 },
  bands: bands.map(([maxWeightGrams, price]) => ({ maxWeightGrams, price })),
});
const table: RateTable = {
  currency: 'EUR',
  zones: [
    {
      name: 'home',
      countries: ['DE', 'AT'],
      levels: {
        standard: level([
          [1000, '3.00'],
          [5000, '5.00'],
        ]),
        express: level([[1000, '9.00']]),
      },
    },
    {
      name: 'world',
      countries: [],
      levels: { standard: level([[5000, '20.00']]), express: level([[5000, '40.00']]) },
    },
  ],
};
const rules = { currency: 'EUR', freeShippingThreshold: '50.00', defaultWeightGrams: 500 };
const product = (id: string, amount: string, extra: Partial<KnownProduct> = {}): KnownProduct => ({
  productId: id,
  amount,
  currency: 'EUR',
  active: true,
  ...extra,
});

t.test('zoneFor: listed country, else the catch-all', async (t) => {
  t.equal(zoneFor(table, 'AT')?.name, 'home');
  t.equal(zoneFor(table, 'BR')?.name, 'world');
  t.equal(zoneFor({ ...table, zones: [table.zones[0]!] }, 'BR'), undefined);
});

t.test('mergeLines sums one product’s lines, first appearance first', async (t) => {
  t.same(
    mergeLines([
      { productId: 'b', quantity: 1 },
      { productId: 'a', quantity: 2 },
      { productId: 'b', quantity: 3 },
    ]),
    [
      { productId: 'b', quantity: 4 },
      { productId: 'a', quantity: 2 },
    ],
  );
});

t.test('quoteShipping', async (t) => {
  const products = new Map([
    ['p', product('p', '10.00', { weightGrams: 400 })],
    ['d', product('d', '25.00')],
    ['x', product('x', '1.00', { active: false })],
    ['u', product('u', '1.00', { currency: 'USD' })],
  ]);
  const ok = quoteShipping('DE', [{ productId: 'p', quantity: 2 }], products, table, rules);
  t.same(ok, {
    ok: true,
    quotation: {
      zone: 'home',
      subtotal: '20.00',
      weightGrams: 800,
      options: [
        { level: 'standard', price: '3.00', estimatedDays: { min: 1, max: 2 } },
        { level: 'express', price: '9.00', estimatedDays: { min: 1, max: 2 } },
      ],
    },
  });
  const free = quoteShipping('DE', [{ productId: 'd', quantity: 2 }], products, table, rules);
  t.same(
    free.ok && free.quotation.options.map((o) => [o.level, o.price]),
    [
      ['standard', '0.00'],
      ['express', '9.00'],
    ],
    'the default weight (2 × 500 g); 50.00 reaches the threshold: standard free, express not',
  );
  const heavier = quoteShipping('DE', [{ productId: 'd', quantity: 4 }], products, table, rules);
  t.same(
    heavier.ok && heavier.quotation.options.map((o) => o.level),
    ['standard'],
    '2000 g: above the last express band, so express is not offered',
  );
  t.match(quoteShipping('DE', [{ productId: 'd', quantity: 11 }], products, table, rules), {
    ok: false,
    error: { kind: 'no_shipping_option', zone: 'home', weightGrams: 5500 },
  });
  t.match(quoteShipping('DE', [{ productId: 'q', quantity: 1 }], products, table, rules), {
    error: { kind: 'unknown_products', productIds: ['q'] },
  });
  t.match(quoteShipping('DE', [{ productId: 'x', quantity: 1 }], products, table, rules), {
    error: { kind: 'inactive_products', productIds: ['x'] },
  });
  t.match(quoteShipping('DE', [{ productId: 'u', quantity: 1 }], products, table, rules), {
    error: { kind: 'currency_not_supported', productIds: ['u'], currency: 'EUR' },
  });
  const noThreshold = quoteShipping('DE', [{ productId: 'd', quantity: 4 }], products, table, {
    ...rules,
    freeShippingThreshold: '',
  });
  t.same(noThreshold.ok && noThreshold.quotation.options.map((o) => o.price), ['5.00'], "'' is never free");
});

t.test('validateRateTable', async (t) => {
  t.same(validateRateTable(table), []);
  const bad: RateTable = {
    currency: 'EUR',
    zones: [
      {
        name: 'home',
        countries: ['DE', 'ZZ'],
        levels: {
          standard: level([
            [5000, '5.00'],
            [1000, '3.00'],
          ]),
          express: { estimatedDays: { min: 3, max: 1 }, bands: [{ maxWeightGrams: 1, price: '1.00' }] },
        },
      },
      { name: 'home', countries: ['DE'], levels: table.zones[0]!.levels },
      { name: 'world', countries: ['FR'], levels: table.zones[1]!.levels },
    ],
  };
  t.same(
    validateRateTable(bad).map((i) => i.path),
    [
      '/zones/0/countries/1',
      '/zones/0/levels/standard/bands/1/maxWeightGrams',
      '/zones/0/levels/express/estimatedDays',
      '/zones/1/name',
      '/zones/1/countries/0',
      '/zones/2/countries',
    ],
  );
});
