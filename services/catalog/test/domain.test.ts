import t from 'tap';
import { compactIsbn, isValidIsbn } from '../src/domain/isbn.ts';
import { comparePrices, isPrice, isSalePrice, normalizePrice, toCents } from '../src/domain/price.ts';
import { BOOKS_CATEGORY, productRuleViolations } from '../src/domain/product-rules.ts';
import { normalizeSearchText } from '../src/domain/search.ts';

t.test('a product is priced from 0.01 to 999999.99 (issue 9)', async (t) => {
  for (const ok of ['0.01', '0.1', '0.10', '0.99', '1', '12.5', '999999.99']) {
    t.ok(isSalePrice(ok), `${ok} may be asked`);
  }
  for (const bad of ['0', '0.0', '0.00', '1000000', '1000000.00', '9999999999.99', '0.001', '01', '-1']) {
    t.notOk(isSalePrice(bad), `${JSON.stringify(bad)} may not be asked`);
  }
});

t.test('prices are exact decimals that fit numeric(12,2)', async (t) => {
  for (const ok of ['0', '0.5', '12.50', '9999999999.99', '10']) t.ok(isPrice(ok), `${ok} is a price`);
  for (const bad of ['-1', '1e3', '12.345', '01.00', '', '.5', '1.', '10000000000', ' 1', 'NaN', '+1']) {
    t.notOk(isPrice(bad), `${JSON.stringify(bad)} is not a price`);
  }
  t.equal(toCents('12.5'), 1250n);
  t.equal(toCents('9999999999.99'), 999999999999n);
  t.equal(normalizePrice('12.5'), '12.50');
  t.equal(normalizePrice('7'), '7.00');
  t.equal(normalizePrice('0.05'), '0.05');
  t.equal(comparePrices('10.5', '10.50'), 0);
  t.equal(comparePrices('9.99', '10'), -1);
  t.equal(comparePrices('100', '99.99'), 1);
  t.throws(() => toCents('1e3'));
});

t.test('ISBNs are checked by their check digit', async (t) => {
  t.ok(isValidIsbn('978-0-261-10221-7'), 'ISBN-13 with hyphens');
  t.ok(isValidIsbn('9780441172719'), 'ISBN-13 compact');
  t.ok(isValidIsbn('0-306-40615-2'), 'ISBN-10');
  t.ok(isValidIsbn('080442957x'), 'ISBN-10 with X check digit');
  t.notOk(isValidIsbn('978-0-261-10221-8'), 'one digit off');
  t.notOk(isValidIsbn('0-306-40615-3'), 'ISBN-10 one digit off');
  t.notOk(isValidIsbn('12345'), 'too short');
  t.notOk(isValidIsbn('97802611022X7'), 'X only as an ISBN-10 check digit');
  t.equal(compactIsbn('978 0-261'), '9780261');
});

t.test('books need an author and a valid ISBN; other products need neither', async (t) => {
  t.same(
    productRuleViolations({
      category: BOOKS_CATEGORY,
      attributes: { author: 'Frank Herbert', isbn: '9780441172719' },
    }),
    [],
  );
  t.same(productRuleViolations({ category: BOOKS_CATEGORY, attributes: {} }), [
    'a book needs attributes.author',
    'a book needs attributes.isbn',
  ]);
  t.same(
    productRuleViolations({ category: BOOKS_CATEGORY, attributes: { author: 'X', isbn: '9780441172710' } }),
    ['attributes.isbn is not a valid ISBN-10 or ISBN-13 (check digit)'],
  );
  t.same(productRuleViolations({ category: 'games', attributes: { players: 4 } }), []);
  t.same(productRuleViolations({ category: 'games', attributes: { isbn: 'nope' } }), [
    'attributes.isbn is not a valid ISBN-10 or ISBN-13 (check digit)',
  ]);
  t.same(productRuleViolations({ category: 'games', attributes: { author: '  ' } }), [
    'attributes.author must be a non-empty string',
  ]);
});

t.test('search text is trimmed and its whitespace collapsed', async (t) => {
  t.equal(normalizeSearchText('  the   hobbit\t'), 'the hobbit');
  t.equal(normalizeSearchText('   '), '');
  t.equal(normalizeSearchText('ｈｏｂｂｉｔ'), 'hobbit', 'full-width letters fold to ASCII');
});
