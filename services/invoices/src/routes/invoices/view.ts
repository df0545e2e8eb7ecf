import { normalizeAmount } from '@mercato/contracts';
import { formatInvoiceNumber, linesTotal } from '../../domain/invoice-rules.ts';
import type { Invoice } from '../../persistence/entities.ts';
import type { InvoiceView } from './schemas.ts';

export function toInvoiceView(i: Invoice): InvoiceView {
  const currency = i.currency.trim();
  return {
    id: i.id,
    number: formatInvoiceNumber(i.year, i.number),
    year: i.year,
    sequence: i.number,
    orderId: i.orderId,
    userId: i.userId,
    paymentId: i.paymentId,
    lines: i.lines.map((l) => ({
      productId: l.productId,
      ...(l.productName ? { productName: l.productName } : {}),
      quantity: l.quantity,
      unitPrice: { amount: l.unitPrice, currency },
      lineTotal: { amount: l.lineTotal, currency },
    })),
    subtotal: { amount: linesTotal(i.lines), currency },
    ...(i.shipping
      ? {
          shipping: {
            level: i.shipping.level,
            quoteId: i.shipping.quoteId,
            price: { amount: i.shipping.amount, currency },
          },
        }
      : {}),
    total: { amount: normalizeAmount(i.totalAmount), currency },
    ...(i.billingAddress ? { billingAddress: i.billingAddress } : {}),
    billingAddressId: i.billingAddressId,
    issuedAt: i.issuedAt.toISOString(),
  };
}
