// The statements of issuing one invoice, all in the caller's transaction. Raw SQL on purpose: this
// runs for every paid order, and each statement is a round trip.

import type { ShippingCharge } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { type Envelope, outboxInsert, outboxStatementDone } from '@mercato/messaging';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { AddressSnapshot, OrderLineSnapshot } from '../domain/invoice-rules.ts';
import { Invoice } from './entities.ts';
import { takeNumber } from './numbering.ts';

/** What the decision needs: the order's invoice, its capture and its read model (each may be missing). */
export interface IssueState {
  invoice_id: string | null;
  payment_id: string | null;
  paid_revision: number | null;
  user_id: string | null;
  revision: number | null;
  lines: OrderLineSnapshot[] | null;
  total_amount: string | null;
  currency: string | null;
  billing_address: AddressSnapshot | null;
  billing_address_id: string | null;
  shipping: ShippingCharge | null;
}

/**
 * The advisory lock (two-key form: a class of invoices' own, then the order) that the invoice and the
 * credit notes of one order take in their transactions: a credit note and the invoice issued at the
 * same moment then see each other (the credit note names the invoice, or the invoice fills in the
 * credit note's link), instead of each missing the other's uncommitted row.
 */
export const ORDER_LOCK_SQL = 'pg_advisory_xact_lock(700701, hashtext(?::text))';

export async function loadIssueState(em: EntityManager, orderId: string): Promise<IssueState> {
  // The three rows in one round trip; the left joins on a one-row key give exactly one row. The
  // order's lock is taken by the same statement (its rows are read before it is granted; it matters
  // for insertInvoice, a later statement).
  const [state] = await em.execute<IssueState[]>(
    `select i.id as invoice_id, p.payment_id, p.revision as paid_revision, o.user_id, o.revision, o.lines,
            o.total_amount, o.currency, o.billing_address, o.billing_address_id, o.shipping
       from (select ?::uuid as order_id) k
       cross join (select ${ORDER_LOCK_SQL}) l
       left join invoice i on i.order_id = k.order_id
       left join order_payment p on p.order_id = k.order_id
       left join order_view o on o.order_id = k.order_id`,
    [orderId, orderId],
  );
  return state!;
}

/** The next gapless invoice number of `year` (numbering.ts: held until commit, given back on rollback). */
export function takeInvoiceNumber(em: EntityManager, year: number): Promise<number> {
  return takeNumber(em, 'invoice', year);
}

export type NewInvoice = { [K in keyof Invoice]: Invoice[K] };

/**
 * Writes the invoice and its events in one statement (the outbox rule holds: same transaction), and
 * fills in the link of the order's credit notes issued before it (a return received before the
 * invoice: see issue-credit-note.ts). Returns the entity, built but not managed (the caller may need
 * it, e.g. POST /invoices).
 */
export async function insertInvoice(
  em: EntityManager,
  fields: NewInvoice,
  events: readonly Envelope[],
): Promise<Invoice> {
  const invoice = em.create(Invoice, fields, { persist: false });
  const outbox = outboxInsert(em, events);
  let written = false;
  try {
    await em.execute(
      `with issued as (
       insert into invoice (id, year, number, order_id, user_id, payment_id, order_revision, lines, total_amount,
         currency, billing_address, billing_address_id, issued_at, download_token_hash, shipping)
       values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?, ?::timestamptz, ?, ?::jsonb)),
     linked as (
       update credit_note set invoice_id = ? where order_id = ? and invoice_id is null)
     ${outbox.sql}`,
      [
        invoice.id,
        invoice.year,
        invoice.number,
        invoice.orderId,
        invoice.userId,
        invoice.paymentId,
        invoice.orderRevision,
        JSON.stringify(invoice.lines),
        invoice.totalAmount,
        invoice.currency,
        // SQL null, not the JSON null a stringified null would be.
        invoice.billingAddress ? JSON.stringify(invoice.billingAddress) : null,
        invoice.billingAddressId,
        invoice.issuedAt.toISOString(),
        invoice.downloadTokenHash ?? null,
        invoice.shipping ? JSON.stringify(invoice.shipping) : null,
        invoice.id,
        invoice.orderId,
        ...outbox.params,
      ],
    );
    written = true;
  } finally {
    outboxStatementDone(em, written); // outside a transaction: the relay looks now
  }
  return invoice;
}

/** The order already has an invoice: another transaction issued it at the same moment (unique order_id). */
export function isDuplicateInvoice(err: unknown): boolean {
  return err instanceof UniqueConstraintViolationException;
}
