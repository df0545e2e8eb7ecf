// Exact money arithmetic on decimal strings, shared by every service that adds, multiplies or
// compares amounts. Amounts are held as bigint counts of 1/10_000 of the currency unit
// (the contracts allow up to 4 decimals), so no value ever passes through a float.

const SCALE_DIGITS = 4;
const SCALE = 10n ** BigInt(SCALE_DIGITS);
const DECIMAL = /^(-?)(\d+)(?:\.(\d{1,4}))?$/;

export class MoneyError extends Error {
  override name = 'MoneyError';
}

/** '12.5' → 125000n (in 1/10_000 units). Throws on anything that is not a plain decimal. */
export function toUnits(amount: string): bigint {
  const m = DECIMAL.exec(amount.trim());
  if (!m) throw new MoneyError(`not a decimal amount: ${JSON.stringify(amount)}`);
  const [, sign, whole, fraction = ''] = m;
  const units = BigInt(whole!) * SCALE + BigInt(fraction.padEnd(SCALE_DIGITS, '0'));
  return sign === '-' ? -units : units;
}

/** 125000n → '12.50': at least two decimals, more only when they are not zero. */
export function fromUnits(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = abs / SCALE;
  let fraction = (abs % SCALE).toString().padStart(SCALE_DIGITS, '0');
  while (fraction.length > 2 && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/** Normalises a decimal string to the canonical form the API returns ('12.5000' → '12.50'). */
export function normalizeAmount(amount: string): string {
  return fromUnits(toUnits(amount));
}

export function lineTotal(unitAmount: string, quantity: number): string {
  if (!Number.isSafeInteger(quantity) || quantity < 1) throw new MoneyError(`bad quantity ${quantity}`);
  return fromUnits(toUnits(unitAmount) * BigInt(quantity));
}

export function sumAmounts(amounts: readonly string[]): string {
  return fromUnits(amounts.reduce((acc, a) => acc + toUnits(a), 0n));
}
