// What a cart is worth right now: each line priced from the current read models (catalog prices,
// inventory's levels), flagged where it cannot be bought as it was added, and the total over the lines
// that can be bought. Pure: the use cases load the rows and the routes render the result.
import { fromUnits, toUnits } from '@mercato/contracts';

export type LineFlag = 'inactive' | 'price_changed' | 'short_of_stock' | 'currency_mismatch';
export type Availability = 'in_stock' | 'low' | 'out_of_stock';

/** Flags that keep a line out of the total and out of a checkout. price_changed does neither. */
export const BLOCKING_FLAGS: readonly LineFlag[] = ['inactive', 'short_of_stock', 'currency_mismatch'];

export interface CartFields {
  id: string;
  userId: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date | null;
}

export interface LineFields {
  id: string;
  productId: string;
  /** the product's name when added (shown when the read model no longer has one: a deleted product) */
  name: string;
  quantity: number;
  addedAmount: string;
  addedCurrency: string;
  addedAt: Date;
}

export interface KnownProduct {
  productId: string;
  name: string;
  amount: string;
  currency: string;
  active: boolean;
  deleted: boolean;
}

export interface KnownStock {
  available: number;
  availability: Availability;
}

export interface Money {
  amount: string;
  currency: string;
}

export interface PricedLine {
  id: string;
  productId: string;
  name: string;
  quantity: number;
  unitPrice: Money;
  addedUnitPrice: Money;
  lineTotal: Money;
  /** absent while inventory has not reported the product yet (unknown is not flagged) */
  availability?: Availability;
  available?: number;
  flags: LineFlag[];
  changes: { price?: { from: Money; to: Money } };
  /** counted in the total (no blocking flag) */
  counted: boolean;
  addedAt: Date;
}

export interface PricedCart {
  cart: CartFields;
  lines: PricedLine[];
  total: Money;
  /** units over every line */
  itemCount: number;
}

const sameMoney = (a: Money, b: Money) =>
  a.currency === b.currency && toUnits(a.amount) === toUnits(b.amount);
const money = (amount: string, currency: string): Money => ({ amount: fromUnits(toUnits(amount)), currency });

/**
 * Prices the lines (in the order they were added). The cart's currency is its first line's current
 * one (the default for an empty cart); a line in another currency is flagged and not counted.
 */
export function priceCart(
  cart: CartFields,
  lines: readonly LineFields[],
  products: ReadonlyMap<string, KnownProduct>,
  stock: ReadonlyMap<string, KnownStock>,
  defaultCurrency: string,
): PricedCart {
  const ordered = [...lines].sort(
    (a, b) => a.addedAt.getTime() - b.addedAt.getTime() || a.id.localeCompare(b.id),
  );
  const priced = ordered.map((line) =>
    priceLine(line, products.get(line.productId), stock.get(line.productId)),
  );
  const currency = priced[0]?.unitPrice.currency ?? defaultCurrency;
  let total = 0n;
  let itemCount = 0;
  for (const line of priced) {
    itemCount += line.quantity;
    if (line.unitPrice.currency !== currency) line.flags.push('currency_mismatch');
    line.counted = !line.flags.some((f) => BLOCKING_FLAGS.includes(f));
    if (line.counted) total += toUnits(line.lineTotal.amount);
  }
  return { cart, lines: priced, total: { amount: fromUnits(total), currency }, itemCount };
}

function priceLine(
  line: LineFields,
  product: KnownProduct | undefined,
  level: KnownStock | undefined,
): PricedLine {
  const added = money(line.addedAmount, line.addedCurrency);
  const gone = !product || product.deleted;
  // A deleted product has no price any more: the line shows the one it was added at.
  const unitPrice = gone ? added : money(product.amount, product.currency);
  const flags: LineFlag[] = [];
  const changes: PricedLine['changes'] = {};
  if (gone || !product.active) flags.push('inactive');
  if (!sameMoney(unitPrice, added)) {
    flags.push('price_changed');
    changes.price = { from: added, to: unitPrice };
  }
  if (level && line.quantity > level.available) flags.push('short_of_stock');
  return {
    id: line.id,
    productId: line.productId,
    name: !gone && product.name ? product.name : line.name,
    quantity: line.quantity,
    unitPrice,
    addedUnitPrice: added,
    lineTotal: {
      amount: fromUnits(toUnits(unitPrice.amount) * BigInt(line.quantity)),
      currency: unitPrice.currency,
    },
    ...(level ? { availability: level.availability, available: level.available } : {}),
    flags,
    changes,
    counted: false,
    addedAt: line.addedAt,
  };
}

/** The lines a checkout must refuse: blocking flags always; price changes unless the client confirmed. */
export function linesNeedingAttention(cart: PricedCart, pricesConfirmed: boolean): PricedLine[] {
  return cart.lines.filter((l) => !l.counted || (!pricesConfirmed && l.flags.includes('price_changed')));
}
