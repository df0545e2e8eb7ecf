// What a credit note says, from a return received (return.received) and the order's read model: no
// HTTP, no SQL. A credit note credits returned lines of an order; it has its own gapless series.
import {
  fromUnits,
  normalizeAmount,
  type ReturnedLine,
  type ReturnReceived,
  toUnits,
} from '@mercato/contracts';
import {
  type AddressSnapshot,
  formatInvoiceNumber,
  InvoiceError,
  type OrderLineSnapshot,
} from './invoice-rules.ts';

export interface CreditNoteLine {
  productId: string;
  /** the name as ordered; absent when the order's line had none */
  productName?: string;
  quantity: number;
  /** what was paid for these units and is credited */
  amount: string;
}

/** What the credit note document prints (the stored CreditNote has all of it). */
export interface CreditNoteDocument {
  year: number;
  /** gapless within the year, in the credit notes' own series */
  number: number;
  orderId: string;
  returnId: string;
  lines: CreditNoteLine[];
  totalAmount: string;
  currency: string;
  billingAddress?: AddressSnapshot | null;
  billingAddressId?: string | null;
  issuedAt: Date;
}

/** 'CN-2026-000001': the series' prefix, the year, then the gapless number of that year. */
export function formatCreditNoteNumber(year: number, number: number): string {
  return `CN-${formatInvoiceNumber(year, number)}`;
}

/**
 * The credit note's lines: the returned quantities and amounts, named as the order named the product.
 * Every amount must be in the refund's currency and not negative.
 */
export function creditNoteLines(
  returned: readonly ReturnedLine[],
  ordered: readonly OrderLineSnapshot[] | null,
  currency: string,
): CreditNoteLine[] {
  return returned.map((r) => {
    if (r.amount.currency !== currency)
      throw new InvoiceError(`returned ${r.productId} is in ${r.amount.currency}, the refund in ${currency}`);
    if (toUnits(r.amount.amount) < 0n) throw new InvoiceError(`negative amount for ${r.productId}`);
    const productName = ordered?.find((l) => l.productId === r.productId && l.productName)?.productName;
    return {
      productId: r.productId,
      ...(productName ? { productName } : {}),
      quantity: r.quantity,
      amount: normalizeAmount(r.amount.amount),
    };
  });
}

/**
 * The credit note's total: the refund, which must be what its lines add up to (a document that does
 * not add up is never issued).
 */
export function creditNoteTotal(lines: readonly CreditNoteLine[], refund: ReturnReceived['refund']): string {
  const sum = fromUnits(lines.reduce((acc, l) => acc + toUnits(l.amount), 0n));
  if (toUnits(sum) !== toUnits(refund.amount))
    throw new InvoiceError(
      `the returned lines add up to ${sum}, the refund is ${normalizeAmount(refund.amount)}`,
    );
  return sum;
}
