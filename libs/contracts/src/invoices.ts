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

export const invoicesContracts = {
  'invoice.issued': { 1: InvoiceIssued },
};
