// What an invoice says, computed from the order's read model: no HTTP, no SQL.
import {
  fromUnits,
  normalizeAmount,
  type ServiceLevel,
  type ShippingCharge,
  toUnits,
} from '@mercato/contracts';

export interface OrderLineSnapshot {
  itemId: string;
  productId: string;
  productName?: string;
  quantity: number;
  unitPrice: { amount: string; currency: string };
}

/** The billing address as the order carried it (its shipping address snapshot). */
export interface AddressSnapshot {
  name?: string;
  street: string;
  city: string;
  postalCode: string;
  country: string;
}

export interface InvoiceLine {
  productId: string;
  /** absent on invoices of orders placed before order events carried names */
  productName?: string;
  quantity: number;
  unitPrice: string;
  lineTotal: string;
}

/**
 * The order's shipping line on its invoice (order.placed `shipping`): the level and the quoted price,
 * in the invoice's currency. Not one of `lines`, which are products (returns and credit notes name
 * them by product); the invoice's total is its lines plus this.
 */
export interface InvoiceShipping {
  quoteId: string;
  level: ServiceLevel;
  amount: string;
}

export class InvoiceError extends Error {
  override name = 'InvoiceError';
}

/** What the invoice document prints (the stored Invoice has all of it). */
export interface InvoiceDocument {
  year: number;
  /** gapless within the year */
  number: number;
  orderId: string;
  lines: InvoiceLine[];
  /** absent (or null) when the order has no shipping line */
  shipping?: InvoiceShipping | null;
  totalAmount: string;
  currency: string;
  billingAddress?: AddressSnapshot | null;
  billingAddressId: string;
  issuedAt: Date;
}

/** '2026-000042': the year, then the gapless number of that year. */
export function formatInvoiceNumber(year: number, number: number): string {
  if (!Number.isInteger(number) || number < 1) throw new InvoiceError(`bad invoice number ${number}`);
  return `${year}-${String(number).padStart(6, '0')}`;
}

/** The invoice's lines with exact line totals; every line must be in the invoice's currency. */
export function invoiceLines(lines: readonly OrderLineSnapshot[], currency: string): InvoiceLine[] {
  return lines.map((l) => {
    if (l.unitPrice.currency !== currency)
      throw new InvoiceError(`line ${l.productId} is in ${l.unitPrice.currency}, the order in ${currency}`);
    return {
      productId: l.productId,
      ...(l.productName ? { productName: l.productName } : {}),
      quantity: l.quantity,
      unitPrice: normalizeAmount(l.unitPrice.amount),
      lineTotal: fromUnits(toUnits(l.unitPrice.amount) * BigInt(l.quantity)),
    };
  });
}

export function linesTotal(lines: readonly InvoiceLine[]): string {
  return fromUnits(lines.reduce((sum, l) => sum + toUnits(l.lineTotal), 0n));
}

/** The invoice's shipping line from the order's, which must be in the invoice's currency. */
export function invoiceShipping(
  charge: ShippingCharge | null | undefined,
  currency: string,
): InvoiceShipping | undefined {
  if (!charge) return undefined;
  if (charge.price.currency !== currency)
    throw new InvoiceError(`shipping is in ${charge.price.currency}, the order in ${currency}`);
  if (toUnits(charge.price.amount) < 0n) throw new InvoiceError(`negative shipping ${charge.price.amount}`);
  return { quoteId: charge.quoteId, level: charge.level, amount: normalizeAmount(charge.price.amount) };
}

/**
 * The invoice's total: its lines plus its shipping line. It must be the order's total (what was
 * charged): an invoice whose rows do not add up to it is never issued.
 */
export function invoiceTotal(
  lines: readonly InvoiceLine[],
  shipping: InvoiceShipping | null | undefined,
  orderTotal: string,
): string {
  const total = fromUnits(toUnits(linesTotal(lines)) + (shipping ? toUnits(shipping.amount) : 0n));
  if (toUnits(total) !== toUnits(orderTotal))
    throw new InvoiceError(
      `lines${shipping ? ' and shipping' : ''} add up to ${total}, the order's total is ${normalizeAmount(orderTotal)}`,
    );
  return total;
}

/** "Shipping (express)": how the shipping line is named on the PDF. */
export function shippingLabel(shipping: Pick<InvoiceShipping, 'level'>): string {
  return `Shipping (${shipping.level})`;
}

/** The year an invoice issued at `at` is numbered in (UTC, like every timestamp here). */
export function invoiceYear(at: Date): number {
  return at.getUTCFullYear();
}
