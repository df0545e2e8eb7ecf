// The payment table: recording attempts, the provider worker's leases and outcomes, and reads.
import type { StockReserved } from '@mercato/contracts';
import { normalizeAmount } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { type Envelope, outboxInsert, outboxStatementDone } from '@mercato/messaging';
import { LockMode } from '@mikro-orm/core';
import { uuidv7 } from 'uuidv7';
import { chargeKey, type PaymentResult, type PaymentStatus } from '../domain/payment-rules.ts';
import { Payment, Refund } from './entities.ts';

/** New work is due at once (the database's clock decides what is due, not this process's). */
export const DUE_AT_ONCE = new Date(0);

/** How many due rows one lease takes. */
const BATCH = 10;

/**
 * The first attempt of an order, in one statement: inserted only if the order has no payment and no
 * cancellation yet. A copy racing it in another transaction meets the unique (order, revision,
 * attempt) and inserts nothing. With `leaseMs` > 0 the row is inserted already leased (`tries` 1,
 * not due before the lease ends); with 0 it is due at once. Returns the row, or nothing when it was
 * not inserted.
 */
export async function insertFirstAttempt(
  em: EntityManager,
  data: StockReserved,
  causationId: string,
  leaseMs: number,
): Promise<Payment | undefined> {
  const now = new Date();
  const [first] = await em.execute<Record<string, unknown>[]>(
    `insert into payment (id, order_id, user_id, revision, attempt, amount, currency, payment_method,
                          idempotency_key, status, refunded_amount, tries, next_try_at, causation_id,
                          created_at, updated_at)
     select ?, ?, ?, ?, 1, ?, ?, ?::jsonb, ?, 'pending', 0, ?, now() + (? * interval '1 millisecond'), ?, ?, ?
      where not exists (select 1 from order_cancellation where order_id = ?)
        and not exists (select 1 from payment where order_id = ?)
     on conflict do nothing
     returning *`,
    [
      uuidv7(),
      data.orderId,
      data.userId,
      data.revision,
      normalizeAmount(data.total.amount),
      data.total.currency,
      JSON.stringify(data.paymentMethod),
      chargeKey(data.orderId, data.revision, 1),
      leaseMs > 0 ? 1 : 0,
      leaseMs,
      causationId,
      now,
      now,
      data.orderId,
      data.orderId,
    ],
  );
  return first ? em.map(Payment, first) : undefined;
}

/**
 * Adds an attempt to `em`'s unit of work. `leaseMs`: leased to the caller from the start (`tries` 1),
 * so the worker's poll leaves it alone while the caller charges it; without, due at once.
 */
export function addAttempt(
  em: EntityManager,
  attempt: {
    orderId: string;
    userId: string;
    revision: number;
    attempt: number;
    amount: string;
    currency: string;
    paymentMethod: { type: 'card'; token: string };
    causationId: string | null;
    leaseMs?: number;
  },
): Payment {
  const now = new Date();
  const { leaseMs, ...fields } = attempt;
  return em.create(Payment, {
    id: uuidv7(),
    ...fields,
    idempotencyKey: chargeKey(fields.orderId, fields.revision, fields.attempt),
    status: 'pending',
    failureReason: null,
    providerRef: null,
    refundedAmount: '0',
    tries: leaseMs === undefined ? 0 : 1,
    nextTryAt: leaseMs === undefined ? DUE_AT_ONCE : new Date(now.getTime() + leaseMs),
    createdAt: now,
    updatedAt: now,
  });
}

/**
 * Every payment of the order, locked: a capture finishing right now is waited for and read in its
 * captured state, and two transactions cannot both add an attempt.
 */
export function lockOrderPayments(em: EntityManager, orderId: string): Promise<Payment[]> {
  return em.find(
    Payment,
    { orderId },
    { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { createdAt: 'asc' } },
  );
}

export function lockPayment(em: EntityManager, id: string): Promise<Payment | null> {
  return em.findOne(Payment, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

export function findPayment(em: EntityManager, id: string): Promise<Payment | null> {
  return em.findOne(Payment, { id });
}

export function findPaymentOrFail(em: EntityManager, id: string): Promise<Payment> {
  return em.findOneOrFail(Payment, { id });
}

export interface PaymentFilter {
  userId?: string;
  orderId?: string;
  status?: PaymentStatus;
}

/** A page of payments, newest first, and how many match. */
export function findPaymentPage(
  em: EntityManager,
  filter: PaymentFilter,
  page: number,
  pageSize: number,
): Promise<[Payment[], number]> {
  const where = {
    ...(filter.userId ? { userId: filter.userId } : {}),
    ...(filter.orderId ? { orderId: filter.orderId } : {}),
    ...(filter.status ? { status: filter.status } : {}),
  };
  return em.findAndCount(Payment, where, {
    orderBy: { createdAt: 'desc', id: 'desc' },
    limit: pageSize,
    offset: (page - 1) * pageSize,
  });
}

/** The refunds of these payments, oldest first. */
export async function refundsOf(em: EntityManager, paymentIds: readonly string[]): Promise<Refund[]> {
  if (paymentIds.length === 0) return [];
  return em.find(
    Refund,
    paymentIds.length === 1 ? { paymentId: paymentIds[0] } : { paymentId: { $in: [...paymentIds] } },
    { orderBy: { createdAt: 'asc' } },
  );
}

/**
 * Leases due pending rows of `table` (only `id` when given): `tries + 1`, `next_try_at` pushed past
 * the lease, SKIP LOCKED so replicas never take the same row. The same statement returns them as
 * leased: no second read.
 */
export async function leaseDue<T extends Payment | Refund>(
  em: EntityManager,
  entity: new () => T,
  table: 'payment' | 'refund',
  leaseMs: number,
  id?: string,
): Promise<T[]> {
  const params: unknown[] = [leaseMs];
  if (id) params.push(id);
  params.push(BATCH);
  const rows: Record<string, unknown>[] = await em.execute(
    `update ${table} set tries = tries + 1, next_try_at = now() + (? * interval '1 millisecond')
     where id in (select id from ${table} where status = 'pending' and next_try_at <= now()
                  ${id ? 'and id = ?' : ''} order by next_try_at limit ? for update skip locked)
     returning *`,
    params,
  );
  return rows.map((row) => em.map(entity, row) as T);
}

/** A pending row's next try, `delayMs` from now (the backoff after a timeout or 5xx). */
export async function postponeTry(
  em: EntityManager,
  table: 'payment' | 'refund',
  id: string,
  delayMs: number,
): Promise<void> {
  await em.execute(
    `update ${table} set next_try_at = now() + (? * interval '1 millisecond') where id = ? and status = 'pending'`,
    [delayMs, id],
  );
}

/**
 * Records the outcome and its event with ONE statement, and only while the row is still pending:
 * if another worker got there first, it matches nothing — one outcome, one event. Returns whether
 * it was recorded.
 */
export async function recordOutcome(
  em: EntityManager,
  paymentId: string,
  result: PaymentResult,
  event: Envelope,
): Promise<boolean> {
  const outbox = outboxInsert(em, [event], { from: 'recorded', where: 'recorded.id is not null' });
  let written = false;
  try {
    const rows = await em.execute(
      `with recorded as (
       update payment set status = ?, provider_ref = ?, failure_reason = ?, updated_at = ?
        where id = ? and status = 'pending'
       returning id),
     published as (${outbox.sql})
     select id from recorded`,
      [
        result.status,
        result.status === 'succeeded' ? result.providerRef : null,
        result.status === 'failed' ? result.reason : null,
        new Date(),
        paymentId,
        ...outbox.params,
      ],
    );
    written = rows.length === 1;
    return written;
  } finally {
    outboxStatementDone(em, written); // outside a transaction: the relay looks now
  }
}

/** Whether the order was cancelled (and why) or has a revision newer than `revision`. */
export async function lateCaptureCheck(
  em: EntityManager,
  orderId: string,
  revision: number,
): Promise<{ cancelled: string | null; newer: boolean }> {
  const [late] = await em.execute<{ cancelled: string | null; newer: boolean }[]>(
    `select (select reason from order_cancellation where order_id = ?) as cancelled,
            exists (select 1 from payment where order_id = ? and revision > ?) as newer`,
    [orderId, orderId, revision],
  );
  return { cancelled: late?.cancelled ?? null, newer: late?.newer ?? false };
}
