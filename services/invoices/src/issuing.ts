// Issuing one invoice: the next gapless number of the year, the order's lines and billing address,
// and invoice.issued in the outbox — all in the caller's transaction, so all or nothing.
import type { InvoiceIssued } from '@mercato/contracts';
import { normalizeAmount } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { addToOutbox, envelope } from '@mercato/messaging';
import { uuidv7 } from 'uuidv7';
import { formatInvoiceNumber, invoiceLines, invoiceYear } from './domain/invoice-rules.ts';
import { Invoice, OrderPayment, OrderView } from './entities.ts';

export type IssueResult =
  | { kind: 'issued'; invoice: Invoice }
  | { kind: 'exists'; invoice: Invoice }
  | { kind: 'not_paid' }
  | { kind: 'order_unknown' };

/**
 * Issues the order's invoice if it is paid, its read model is there (at least the paid revision) and
 * it has none yet. Two transactions issuing for one order at once: the unique order_id makes the
 * second fail and roll back, its counter increment with it, so no number is lost.
 */
export async function issueInvoice(
  em: EntityManager,
  orderId: string,
  causationId?: string,
): Promise<IssueResult> {
  const existing = await em.findOne(Invoice, { orderId });
  if (existing) return { kind: 'exists', invoice: existing };
  const payment = await em.findOne(OrderPayment, { orderId });
  if (!payment) return { kind: 'not_paid' };
  const order = await em.findOne(OrderView, { orderId });
  if (!order || order.revision < payment.revision) return { kind: 'order_unknown' };

  const issuedAt = new Date();
  const year = invoiceYear(issuedAt);
  const currency = order.currency.trim();
  const lines = invoiceLines(order.lines, currency);
  await em.execute('insert into invoice_counter (year, last) values (?, 0) on conflict (year) do nothing', [
    year,
  ]);
  // The row lock taken here is held until commit: invoices of one year are numbered one at a time,
  // and a rollback gives the number back.
  const [counter] = await em.execute<{ last: number }[]>(
    'update invoice_counter set last = last + 1 where year = ? returning last',
    [year],
  );
  const invoice = em.create(Invoice, {
    id: uuidv7(),
    year,
    number: Number(counter!.last),
    orderId,
    userId: order.userId,
    paymentId: payment.paymentId,
    orderRevision: order.revision,
    lines,
    totalAmount: normalizeAmount(order.totalAmount),
    currency,
    billingAddress: order.billingAddress ?? null,
    billingAddressId: order.billingAddressId,
    issuedAt,
  });
  await em.flush();
  const data: InvoiceIssued = {
    invoiceId: invoice.id,
    number: formatInvoiceNumber(invoice.year, invoice.number),
    orderId,
    userId: invoice.userId,
    total: { amount: normalizeAmount(invoice.totalAmount), currency },
    issuedAt: issuedAt.toISOString(),
  };
  await addToOutbox(
    em,
    envelope('invoice.issued', data, { source: 'invoices', correlationId: orderId, causationId }),
  );
  return { kind: 'issued', invoice };
}
