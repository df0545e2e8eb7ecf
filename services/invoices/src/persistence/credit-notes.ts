// Credit notes: the statements of issuing one (in the caller's transaction; raw SQL, as for invoices)
// and reading them.
import type { EntityManager } from '@mercato/db';
import { type Envelope, outboxInsert, outboxStatementDone } from '@mercato/messaging';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { AddressSnapshot, OrderLineSnapshot } from '../domain/invoice-rules.ts';
import { CreditNote, Invoice } from './entities.ts';
import { ORDER_LOCK_SQL } from './issuing.ts';
import { takeNumber } from './numbering.ts';

/** What the decision needs: the return's credit note, the order's invoice and read model (each may be missing). */
export interface CreditState {
  credit_note_id: string | null;
  invoice_id: string | null;
  invoice_billing_address: AddressSnapshot | null;
  invoice_billing_address_id: string | null;
  /** null: the order's read model is not there */
  view_revision: number | null;
  view_user_id: string | null;
  view_lines: OrderLineSnapshot[] | null;
  view_currency: string | null;
  view_billing_address: AddressSnapshot | null;
  view_billing_address_id: string | null;
}

/**
 * Takes the order's lock (the invoice issuer takes it too: see ORDER_LOCK_SQL), then, in a later
 * statement so that an invoice committed meanwhile is seen, reads what issuing needs.
 */
export async function loadCreditState(
  em: EntityManager,
  orderId: string,
  returnId: string,
): Promise<CreditState> {
  await em.execute(`select ${ORDER_LOCK_SQL}`, [orderId]);
  const [state] = await em.execute<CreditState[]>(
    `select c.id as credit_note_id, i.id as invoice_id, i.billing_address as invoice_billing_address,
            i.billing_address_id as invoice_billing_address_id, o.revision as view_revision, o.user_id as view_user_id,
            o.lines as view_lines, o.currency as view_currency, o.billing_address as view_billing_address,
            o.billing_address_id as view_billing_address_id
       from (select ?::uuid as order_id, ?::uuid as return_id) k
       left join credit_note c on c.return_id = k.return_id
       left join invoice i on i.order_id = k.order_id
       left join order_view o on o.order_id = k.order_id`,
    [orderId, returnId],
  );
  return state!;
}

/** The next gapless credit note number of `year`, in the credit notes' own series. */
export function takeCreditNoteNumber(em: EntityManager, year: number): Promise<number> {
  return takeNumber(em, 'credit_note', year);
}

export type NewCreditNote = { [K in keyof CreditNote]: CreditNote[K] };

/** Writes the credit note and its events in one statement (the outbox rule: same transaction). */
export async function insertCreditNote(
  em: EntityManager,
  fields: NewCreditNote,
  events: readonly Envelope[],
): Promise<CreditNote> {
  const note = em.create(CreditNote, fields, { persist: false });
  const outbox = outboxInsert(em, events);
  let written = false;
  try {
    await em.execute(
      `with issued as (
       insert into credit_note (id, year, number, return_id, order_id, user_id, invoice_id, store_id, lines,
         total_amount, currency, billing_address, billing_address_id, issued_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?, ?::timestamptz))
     ${outbox.sql}`,
      [
        note.id,
        note.year,
        note.number,
        note.returnId,
        note.orderId,
        note.userId,
        note.invoiceId ?? null,
        note.storeId,
        JSON.stringify(note.lines),
        note.totalAmount,
        note.currency,
        // SQL null, not the JSON null a stringified null would be.
        note.billingAddress ? JSON.stringify(note.billingAddress) : null,
        note.billingAddressId ?? null,
        note.issuedAt.toISOString(),
        ...outbox.params,
      ],
    );
    written = true;
  } finally {
    outboxStatementDone(em, written); // outside a transaction: the relay looks now
  }
  return note;
}

/** The return already has its credit note: another transaction issued it at the same moment. */
export function isDuplicateCreditNote(err: unknown): boolean {
  return err instanceof UniqueConstraintViolationException;
}

export function findCreditNote(em: EntityManager, id: string): Promise<CreditNote | null> {
  return em.findOne(CreditNote, { id });
}

export interface CreditNoteFilter {
  /** only this user's credit notes */
  userId?: string;
  orderId?: string;
}

/** A page of credit notes, newest first, and how many match in all. */
export function findCreditNotes(
  em: EntityManager,
  filter: CreditNoteFilter,
  page: { limit: number; offset: number },
): Promise<[CreditNote[], number]> {
  return em.findAndCount(
    CreditNote,
    {
      ...(filter.userId ? { userId: filter.userId } : {}),
      ...(filter.orderId ? { orderId: filter.orderId } : {}),
    },
    { orderBy: { issuedAt: 'desc', id: 'desc' }, limit: page.limit, offset: page.offset },
  );
}

/** The numbers ('2026-000042' parts) of these invoices, by id: what credit notes print and show. */
export async function invoiceNumbers(
  em: EntityManager,
  ids: readonly string[],
): Promise<Map<string, { year: number; number: number }>> {
  if (ids.length === 0) return new Map();
  const invoices = await em.find(
    Invoice,
    { id: { $in: [...new Set(ids)] } },
    { fields: ['id', 'year', 'number'] },
  );
  return new Map(invoices.map((i) => [i.id, { year: i.year, number: i.number }]));
}
