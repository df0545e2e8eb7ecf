import t from 'tap';
import { fromUnits, lineTotal, MoneyError, normalizeAmount, sumAmounts, toUnits } from '../src/index.ts';

t.test('money is exact decimal arithmetic', async (t) => {
  t.equal(toUnits('12.5'), 125000n);
  t.equal(sumAmounts(['0.1', '0.2']), '0.30', 'no binary float: 0.1 + 0.2 is 0.30');
  t.equal(fromUnits(toUnits('0.1') + toUnits('0.2')), '0.30');
  t.equal(lineTotal('19.99', 3), '59.97');
  t.equal(lineTotal('0.0001', 3), '0.0003', 'four decimals are kept');
  t.equal(lineTotal('999999999999.99', 10_000), '9999999999999900.00', 'large totals do not lose digits');
  t.equal(normalizeAmount('12.5000'), '12.50', 'database numerics come back canonical');
  t.equal(normalizeAmount('1.2345'), '1.2345');
  t.equal(normalizeAmount(' 7 '), '7.00');
  t.equal(fromUnits(toUnits('-3.25')), '-3.25');
  t.equal(fromUnits(-5n), '-0.0005');
  t.throws(() => toUnits('1e3'), MoneyError);
  t.throws(() => toUnits('1.23456'), MoneyError, 'more than four decimals is refused, not rounded');
  t.throws(() => toUnits('12,50'), MoneyError);
  t.throws(() => lineTotal('1.00', 0), MoneyError);
  t.throws(() => lineTotal('1.00', 1.5), MoneyError);
});
