// Issuing one invoice: the next gapless number of the year, the order's lines, shipping line and
// billing address, and invoice.issued in the outbox — all in one transaction, so all or nothing.
import type { InvoiceIssued, PaymentSucceeded } from '@mercato/contracts';
import type { EntityManager, MikroORM } from '@mercato/db';
import { newOpaqueToken, opaqueTokenDigest, problems } from '@mercato/kit';
import { envelope } from '@mercato/messaging';
import { uuidv7 } from 'uuidv7';
import {
  formatInvoiceNumber,
  InvoiceError,
  invoiceLines,
  invoiceShipping,
  invoiceTotal,
  invoiceYear,
} from '../domain/invoice-rules.ts';
import type { Invoice } from '../persistence/entities.ts';
import { countInvoiceIssued } from '../persistence/invoice-metrics.ts';
import { insertInvoice, isDuplicateInvoice, loadIssueState } from '../persistence/issuing.ts';
import { captureInsert } from '../persistence/order-payment.ts';

export type IssueResult =
  | { kind: 'issued'; invoice: Invoice }
  | { kind: 'exists'; invoiceId: string }
  | { kind: 'not_paid' }
  | { kind: 'order_unknown' };

/** What set the issuing off, for issueInvoice. */
export interface IssueCause {
  /** The event's id (invoice.issued's causationId); none for POST /invoices. */
  causationId?: string;
  /** payment.succeeded's capture, recorded by the same statement that reads the order's state. */
  capture?: PaymentSucceeded;
}

/**
 * Issues the order's invoice, in the caller's transaction, if it is paid, its read model is there (at
 * least the paid revision) and it has none yet. Two transactions issuing for one order at once: the
 * unique order_id makes the second fail and roll back, its counter increment with it, so no number is
 * lost.
 */
export async function issueInvoice(
  em: EntityManager,
  orderId: string,
  { causationId, capture }: IssueCause = {},
): Promise<IssueResult> {
  const issuedAt = new Date();
  const year = invoiceYear(issuedAt);
  // The statement that reads the state also takes the number when the order is to be invoiced now
  // (issuing.ts): one round trip instead of a read and then the counter.
  const s = await loadIssueState(em, orderId, year, capture && captureInsert(capture));
  if (s.invoice_id) return { kind: 'exists', invoiceId: s.invoice_id };
  if (s.payment_id === null || s.paid_revision === null) return { kind: 'not_paid' };
  if (s.revision === null || s.revision < s.paid_revision) return { kind: 'order_unknown' };
  // The statement's ISSUABLE is this same decision: a number was taken.
  const number = s.number;
  if (number === null) throw new Error(`order ${orderId}: to be invoiced, but no invoice number was taken`);

  const currency = s.currency!.trim();
  const lines = invoiceLines(s.lines!, currency);
  const shipping = invoiceShipping(s.shipping, currency);
  // Lines + shipping must be the order's total (what was charged), or no invoice is issued (the
  // rollback this throw leads to gives the number back).
  const totalAmount = invoiceTotal(lines, shipping, s.total_amount!);
  const id = uuidv7();
  // A capability for the invoice e-mail's link: the event carries the token, the invoice only its
  // digest (a leaked table hands out no PDFs).
  const downloadToken = newOpaqueToken();
  const data: InvoiceIssued = {
    invoiceId: id,
    number: formatInvoiceNumber(year, number),
    orderId,
    userId: s.user_id!,
    total: { amount: totalAmount, currency },
    issuedAt: issuedAt.toISOString(),
    downloadToken,
  };
  const invoice = await insertInvoice(
    em,
    {
      id,
      year,
      number,
      orderId,
      userId: s.user_id!,
      paymentId: s.payment_id,
      orderRevision: s.revision,
      lines,
      shipping: shipping ?? null,
      totalAmount,
      currency,
      billingAddress: s.billing_address,
      billingAddressId: s.billing_address_id!,
      issuedAt,
      downloadTokenHash: opaqueTokenDigest(downloadToken),
    },
    [envelope('invoice.issued', data, { source: 'invoices', correlationId: orderId, causationId })],
  );
  countInvoiceIssued(em);
  return { kind: 'issued', invoice };
}

/** POST /invoices (admin): issues the invoice of a paid order that has none, in its own transaction. */
export async function issueInvoiceByHand(orm: MikroORM, orderId: string): Promise<Invoice> {
  let result: IssueResult;
  try {
    result = await orm.em.fork().transactional((em) => issueInvoice(em, orderId));
  } catch (err) {
    // Issued at this very moment by the payment.succeeded consumer.
    if (isDuplicateInvoice(err)) throw problems.conflict('The order already has an invoice');
    // The order's details do not make an invoice (a currency mix, a total its rows do not add up to).
    if (err instanceof InvoiceError) throw problems.unprocessable(err.message);
    throw err;
  }
  if (result.kind === 'exists')
    throw problems.conflict('The order already has an invoice', { invoiceId: result.invoiceId });
  if (result.kind === 'not_paid') throw problems.unprocessable('The order is not paid');
  if (result.kind === 'order_unknown')
    throw problems.unprocessable('The order is paid but its details have not arrived yet');
  return result.invoice;
}
