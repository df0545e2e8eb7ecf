import { type Static, Type } from 'typebox';
import { DateTime, Money, Uuid } from './common.ts';

export const InvoiceIssued = Type.Object({
  invoiceId: Uuid,
  /** Gapless per year, e.g. "2026-000042". */
  number: Type.String(),
  orderId: Uuid,
  userId: Uuid,
  total: Money,
  issuedAt: DateTime,
  /**
   * A capability to fetch this invoice's PDF without a login (GET /invoices/{id}/pdf?token=…), for the
   * invoice e-mail; only its digest is stored by invoices. Absent on invoices issued before it existed.
   */
  downloadToken: Type.Optional(Type.String({ minLength: 32 })),
});
export type InvoiceIssued = Static<typeof InvoiceIssued>;

/** Returned lines were credited: a credit note in its own gapless series ("CN-2026-000001"). */
export const CreditNoteIssued = Type.Object({
  creditNoteId: Uuid,
  number: Type.String(),
  /** The invoice it corrects (absent when the order's invoice was not issued yet). */
  invoiceId: Type.Optional(Uuid),
  orderId: Uuid,
  userId: Uuid,
  returnId: Uuid,
  /** Positive: the amount credited to the customer. */
  total: Money,
  issuedAt: DateTime,
});
export type CreditNoteIssued = Static<typeof CreditNoteIssued>;

export const invoicesContracts = {
  'invoice.issued': { 1: InvoiceIssued },
  'credit_note.issued': { 1: CreditNoteIssued },
};
