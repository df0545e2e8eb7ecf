// What an invoice says, computed from the order's read model: no HTTP, no SQL.
import { fromUnits, normalizeAmount, toUnits } from '@mercato/contracts';

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

/** The year an invoice issued at `at` is numbered in (UTC, like every timestamp here). */
export function invoiceYear(at: Date): number {
  return at.getUTCFullYear();
}
