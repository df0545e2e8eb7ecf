import { normalizeAmount } from '@mercato/contracts';
import { formatCreditNoteNumber } from '../../domain/credit-note-rules.ts';
import type { CreditNoteRecord } from '../../use-cases/get-credit-note.ts';
import type { CreditNoteView } from './schemas.ts';

export function toCreditNoteView({ creditNote: c, invoiceNumber }: CreditNoteRecord): CreditNoteView {
  const currency = c.currency.trim();
  return {
    id: c.id,
    number: formatCreditNoteNumber(c.year, c.number),
    year: c.year,
    sequence: c.number,
    orderId: c.orderId,
    userId: c.userId,
    returnId: c.returnId,
    ...(c.invoiceId ? { invoiceId: c.invoiceId } : {}),
    ...(invoiceNumber ? { invoiceNumber } : {}),
    lines: c.lines.map((l) => ({
      productId: l.productId,
      ...(l.productName ? { productName: l.productName } : {}),
      quantity: l.quantity,
      amount: { amount: l.amount, currency },
    })),
    total: { amount: normalizeAmount(c.totalAmount), currency },
    ...(c.billingAddress ? { billingAddress: c.billingAddress } : {}),
    ...(c.billingAddressId ? { billingAddressId: c.billingAddressId } : {}),
    issuedAt: c.issuedAt.toISOString(),
  };
}
