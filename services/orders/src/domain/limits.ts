// What one order may ask for, checked before anything is written (issue 9): a cap on the units an
// order holds (one request cannot reserve a warehouse), a ceiling on the total every service can
// store and charge (numeric(16,4) columns in orders, payments and invoices), and no order for
// nothing (a 0.00 total would make a "succeeded" payment of nothing). Pure: the use case turns a
// violation into a 422.
import { toUnits } from '@mercato/contracts';

export interface OrderLimits {
  /** ORDER_MAX_UNITS: the units (sum of the quantities) one order may hold. */
  maxUnits: number;
}

/**
 * The largest order total: 9,999,999,999.99. Far inside numeric(16,4) (< 10^12) wherever a total is
 * stored, and exact as integer cents in a JS number (< 2^53). The maximum price (catalog:
 * 999,999.99) × the maximum line quantity (10,000) stays under it.
 */
export const MAX_ORDER_TOTAL = '9999999999.99';
const MAX_TOTAL_UNITS = toUnits(MAX_ORDER_TOTAL);

export type LimitViolation =
  | { kind: 'too_many_units'; units: number; maxUnits: number }
  | { kind: 'total_too_large'; total: string; maxTotal: string }
  | { kind: 'zero_total' };

export function orderLimitViolation(
  lines: readonly { quantity: number }[],
  total: string,
  limits: OrderLimits,
): LimitViolation | null {
  const units = lines.reduce((sum, l) => sum + l.quantity, 0);
  if (units > limits.maxUnits) return { kind: 'too_many_units', units, maxUnits: limits.maxUnits };
  const totalUnits = toUnits(total);
  if (totalUnits > MAX_TOTAL_UNITS) return { kind: 'total_too_large', total, maxTotal: MAX_ORDER_TOTAL };
  if (totalUnits <= 0n) return { kind: 'zero_total' };
  return null;
}

export function describeLimitViolation(v: LimitViolation): string {
  switch (v.kind) {
    case 'too_many_units':
      return `An order holds at most ${v.maxUnits} units; this one asks for ${v.units}`;
    case 'total_too_large':
      return `An order's total is at most ${v.maxTotal}; this one comes to ${v.total}`;
    case 'zero_total':
      return 'An order must cost something: these lines come to 0.00';
  }
}
