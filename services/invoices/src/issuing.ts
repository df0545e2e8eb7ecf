// Issuing one invoice: the next gapless number of the year, the order's lines and billing address,
// and invoice.issued in the outbox — all in the caller's transaction, so all or nothing.
// Raw SQL on purpose: this runs for every paid order, and each statement is a round trip.
import type { InvoiceIssued } from '@mercato/contracts';
import { normalizeAmount } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { envelope, outboxRow } from '@mercato/messaging';
import { uuidv7 } from 'uuidv7';
import {
  formatInvoiceNumber,
  invoiceLines,
  invoiceYear,
  type OrderLineSnapshot,
} from './domain/invoice-rules.ts';
import { type AddressSnapshot, Invoice } from './entities.ts';

export type IssueResult =
  | { kind: 'issued'; invoice: Invoice }
  | { kind: 'exists'; invoiceId: string }
  | { kind: 'not_paid' }
  | { kind: 'order_unknown' };

/** What the decision needs: the order's invoice, its capture and its read model (each may be missing). */
interface IssueState {
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
}

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
  // The three rows in one round trip; the left joins on a one-row key give exactly one row.
  const [state] = await em.execute<IssueState[]>(
    `select i.id as invoice_id, p.payment_id, p.revision as paid_revision, o.user_id, o.revision, o.lines,
            o.total_amount, o.currency, o.billing_address, o.billing_address_id
       from (select ?::uuid as order_id) k
       left join invoice i on i.order_id = k.order_id
       left join order_payment p on p.order_id = k.order_id
       left join order_view o on o.order_id = k.order_id`,
    [orderId],
  );
  const s = state!;
  if (s.invoice_id) return { kind: 'exists', invoiceId: s.invoice_id };
  if (s.payment_id === null || s.paid_revision === null) return { kind: 'not_paid' };
  if (s.revision === null || s.revision < s.paid_revision) return { kind: 'order_unknown' };

  const issuedAt = new Date();
  const year = invoiceYear(issuedAt);
  const currency = s.currency!.trim();
  const lines = invoiceLines(s.lines!, currency);
  // One statement creates the year's row or takes its next number. Either way the row lock is held
  // until commit: invoices of one year are numbered one at a time, and a rollback gives the number back.
  const [counter] = await em.execute<{ last: number }[]>(
    `insert into invoice_counter (year, last) values (?, 1)
     on conflict (year) do update set last = invoice_counter.last + 1 returning last`,
    [year],
  );
  // Built, not persisted: the statement below writes it (the caller may need the entity, e.g. POST /invoices).
  const invoice = em.create(
    Invoice,
    {
      id: uuidv7(),
      year,
      number: Number(counter!.last),
      orderId,
      userId: s.user_id!,
      paymentId: s.payment_id,
      orderRevision: s.revision,
      lines,
      totalAmount: normalizeAmount(s.total_amount!),
      currency,
      billingAddress: s.billing_address,
      billingAddressId: s.billing_address_id!,
      issuedAt,
    },
    { persist: false },
  );
  const data: InvoiceIssued = {
    invoiceId: invoice.id,
    number: formatInvoiceNumber(invoice.year, invoice.number),
    orderId,
    userId: invoice.userId,
    total: { amount: invoice.totalAmount, currency },
    issuedAt: issuedAt.toISOString(),
  };
  const event = outboxRow(
    envelope('invoice.issued', data, { source: 'invoices', correlationId: orderId, causationId }),
  );
  // The invoice and its event in one statement (same transaction rule as addToOutbox).
  await em.execute(
    `with issued as (
       insert into invoice (id, year, number, order_id, user_id, payment_id, order_revision, lines, total_amount,
         currency, billing_address, billing_address_id, issued_at)
       values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?, ?::timestamptz))
     insert into outbox (id, type, payload, headers, created_at) values (?, ?, ?::jsonb, ?::jsonb, now())`,
    [
      invoice.id,
      invoice.year,
      invoice.number,
      orderId,
      invoice.userId,
      invoice.paymentId,
      invoice.orderRevision,
      JSON.stringify(invoice.lines),
      invoice.totalAmount,
      currency,
      // SQL null, not the JSON null a stringified null would be.
      invoice.billingAddress === null ? null : JSON.stringify(invoice.billingAddress),
      invoice.billingAddressId,
      issuedAt.toISOString(),
      event.id,
      event.type,
      JSON.stringify(event.payload),
      JSON.stringify(event.headers),
    ],
  );
  return { kind: 'issued', invoice };
}
