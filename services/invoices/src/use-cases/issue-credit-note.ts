// return.received → the return's credit note: the next gapless number of the credit notes' own series,
// the returned lines named as ordered, total = the refund, the invoice it corrects, and
// credit_note.issued in the outbox, all in the consumer's transaction: all or nothing, once per return.
import { type CreditNoteIssued, normalizeAmount, type ReturnReceived } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { envelope } from '@mercato/messaging';
import { uuidv7 } from 'uuidv7';
import { creditNoteLines, creditNoteTotal, formatCreditNoteNumber } from '../domain/credit-note-rules.ts';
import { InvoiceError, invoiceYear } from '../domain/invoice-rules.ts';
import { insertCreditNote, loadCreditState, takeCreditNoteNumber } from '../persistence/credit-notes.ts';
import type { CreditNote } from '../persistence/entities.ts';
import { countCreditNoteIssued } from '../persistence/invoice-metrics.ts';
import { OrderNotKnownYet } from './record-payment.ts';

export type CreditResult =
  | { kind: 'issued'; creditNote: CreditNote }
  | { kind: 'exists'; creditNoteId: string };

/**
 * Issues the credit note of a return received, in the caller's transaction, unless the return has one
 * (unique return_id: a second transaction issuing it at the same moment fails and rolls back, its
 * number with it).
 *
 * The order's invoice may not be issued yet (its payment.succeeded late in the queue): the credit note
 * is issued anyway, without `invoiceId`, and issuing the invoice fills the link in (the credit note's
 * number, lines and total never change; credit_note.issued is not sent again). The order's read model
 * (order.placed) must be there, for the product names and the buyer's address: without it the handler
 * throws and the retry path delivers the return again later, as for payments.
 */
export async function issueCreditNote(
  em: EntityManager,
  ret: ReturnReceived,
  causationId?: string,
): Promise<CreditResult> {
  const s = await loadCreditState(em, ret.orderId, ret.returnId);
  if (s.credit_note_id) return { kind: 'exists', creditNoteId: s.credit_note_id };
  if (s.view_revision === null)
    throw new OrderNotKnownYet(`order ${ret.orderId} of return ${ret.returnId} is not known yet`);
  if (s.view_user_id !== ret.userId)
    throw new InvoiceError(
      `return ${ret.returnId} names user ${ret.userId}, order ${ret.orderId} is another's`,
    );
  const currency = ret.refund.currency;
  if (s.view_currency!.trim() !== currency)
    throw new InvoiceError(
      `the refund is in ${currency}, order ${ret.orderId} in ${s.view_currency!.trim()}`,
    );
  const lines = creditNoteLines(ret.lines, s.view_lines, currency);
  const totalAmount = creditNoteTotal(lines, ret.refund);

  const issuedAt = new Date();
  const year = invoiceYear(issuedAt);
  const number = await takeCreditNoteNumber(em, year);
  const id = uuidv7();
  // The buyer as invoiced (the invoice's copy, kept whatever happens to the read model), else as ordered.
  const billingAddress = s.invoice_id ? s.invoice_billing_address : s.view_billing_address;
  const billingAddressId = s.invoice_id ? s.invoice_billing_address_id : s.view_billing_address_id;
  const data: CreditNoteIssued = {
    creditNoteId: id,
    number: formatCreditNoteNumber(year, number),
    ...(s.invoice_id ? { invoiceId: s.invoice_id } : {}),
    orderId: ret.orderId,
    userId: ret.userId,
    returnId: ret.returnId,
    total: { amount: totalAmount, currency },
    issuedAt: issuedAt.toISOString(),
  };
  const creditNote = await insertCreditNote(
    em,
    {
      id,
      year,
      number,
      returnId: ret.returnId,
      orderId: ret.orderId,
      userId: ret.userId,
      invoiceId: s.invoice_id,
      storeId: ret.storeId,
      lines,
      totalAmount: normalizeAmount(totalAmount),
      currency,
      billingAddress,
      billingAddressId,
      issuedAt,
    },
    [envelope('credit_note.issued', data, { source: 'invoices', correlationId: ret.orderId, causationId })],
  );
  countCreditNoteIssued(em);
  return { kind: 'issued', creditNote };
}
