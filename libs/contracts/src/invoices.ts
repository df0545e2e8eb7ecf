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
});
export type InvoiceIssued = Static<typeof InvoiceIssued>;

export const invoicesContracts = {
  'invoice.issued': { 1: InvoiceIssued },
};
