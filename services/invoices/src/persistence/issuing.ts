// The statements of issuing one invoice, all in the caller's transaction. Raw SQL on purpose: this
// runs for every paid order, and each statement is a round trip.

import type { ShippingCharge } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { type Envelope, outboxInsert, outboxStatementDone, type SqlFragment } from '@mercato/messaging';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { AddressSnapshot, OrderLineSnapshot } from '../domain/invoice-rules.ts';
import { Invoice } from './entities.ts';
import { nextNumberSql } from './numbering.ts';
import { NO_CAPTURE } from './order-payment.ts';

/**
 * What the decision needs: the order's invoice, its capture and its read model (each may be missing),
 * and the invoice's number when the order is to be invoiced now.
 */
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
  /**
   * The year's next invoice number, taken (its counter row locked until commit, given back by a
   * rollback) only when the rows say the order is to be invoiced now: see ISSUABLE.
   */
  number: number | null;
}

/**
 * The advisory lock (two-key form: a class of invoices' own, then the order) that the invoice and the
 * credit notes of one order take in their transactions: a credit note and the invoice issued at the
 * same moment then see each other (the credit note names the invoice, or the invoice fills in the
 * credit note's link), instead of each missing the other's uncommitted row.
 */
export const ORDER_LOCK_SQL = 'pg_advisory_xact_lock(700701, hashtext(?::text))';

/**
 * The order is to be invoiced now: no invoice yet, a capture, and its read model at least at the paid
 * revision (issue-invoice.ts decides the same from the row; a null compares as false).
 */
const ISSUABLE =
  'invoice_id is null and payment_id is not null and paid_revision is not null and revision >= paid_revision';

/**
 * Everything issuing reads and locks before it writes, in ONE statement (a round trip each, it was
 * three): records `capture` (payment.succeeded's; none by default), takes the order's lock, reads the
 * order's invoice, capture and read model, and, if the order is to be invoiced now, takes the year's
 * next invoice number. The locks are taken in the order the separate statements took them — the
 * capture's row, the order's lock, the year's counter — each step reading the previous one's rows, so
 * no new lock order (no new deadlock) comes with the fold.
 *
 * The rows are read in the statement's snapshot: from before any wait for a lock, and without the
 * capture this statement records (hence the coalesce with `captured`). A second payment.succeeded of
 * an order whose invoice is being issued waits on the first's capture row, records nothing, and, its
 * snapshot taken before that commit, sees the order as unpaid: nothing to issue, as before (it saw the
 * invoice then). Two issuers of one order reading at once both see no invoice; the unique order_id
 * refuses the second's INSERT (insertInvoice, a later statement) and its number goes back with it.
 * The order's lock matters for that later statement too (see ORDER_LOCK_SQL), as it did before.
 */
export async function loadIssueState(
  em: EntityManager,
  orderId: string,
  year: number,
  capture: SqlFragment = NO_CAPTURE,
): Promise<IssueState> {
  const [state] = await em.execute<IssueState[]>(
    // `locked` counts the capture's rows: it is recorded to its end before the lock is asked for.
    `with captured as (${capture.sql}),
     locked as (select ${ORDER_LOCK_SQL} from (select count(*) from captured) recorded),
     state as (
       select i.id as invoice_id, coalesce(p.payment_id, c.payment_id) as payment_id,
              coalesce(p.revision, c.revision) as paid_revision, o.user_id, o.revision, o.lines,
              o.total_amount, o.currency, o.billing_address, o.billing_address_id, o.shipping
         from (select ?::uuid as order_id) k
         cross join locked
         left join captured c on true
         left join invoice i on i.order_id = k.order_id
         left join order_payment p on p.order_id = k.order_id
         left join order_view o on o.order_id = k.order_id),
     numbered as (${nextNumberSql('invoice', `select ?, 1 from state where ${ISSUABLE}`)})
     select state.*, (select last from numbered) as number from state`,
    [...capture.params, orderId, orderId, year],
  );
  return { ...state!, number: state!.number === null ? null : Number(state!.number) };
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
