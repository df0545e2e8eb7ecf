// Rules about payments and refunds that know nothing of HTTP, SQL or the provider.
import { fromUnits, toUnits } from '@mercato/contracts';

export type PaymentStatus = 'pending' | 'succeeded' | 'failed';

/** What the provider's answer makes of a pending payment. */
export type PaymentResult =
  | { status: 'succeeded'; providerRef: string }
  | { status: 'failed'; reason: string };

export interface PaymentAttempt {
  revision: number;
  attempt: number;
  status: PaymentStatus;
}

/**
 * The key the provider sees for one charge. The first attempt of an order revision uses exactly
 * `${orderId}:${revision}` (so a redelivered stock.reserved, even one that got past the inbox, asks
 * for the same charge); a customer's retry after a failure is a new charge and gets its own key —
 * reusing the first key would only replay the first decline.
 */
export function chargeKey(orderId: string, revision: number, attempt: number): string {
  return attempt === 1 ? `${orderId}:${revision}` : `${orderId}:${revision}:${attempt}`;
}

export type RetryDecision =
  | { kind: 'unknown' }
  | { kind: 'already_paid' }
  | { kind: 'in_progress' }
  | { kind: 'retry'; revision: number; attempt: number };

/**
 * Whether a customer may pay an order again: only when the latest revision's last attempt failed and
 * nothing is being charged. (A capture of an older revision does not count: it was superseded by the
 * line change and is refunded.) `attempts` are every payment attempt recorded for the order.
 */
export function decideRetry(attempts: readonly PaymentAttempt[]): RetryDecision {
  if (attempts.length === 0) return { kind: 'unknown' };
  const revision = Math.max(...attempts.map((a) => a.revision));
  const current = attempts.filter((a) => a.revision === revision);
  if (current.some((a) => a.status === 'succeeded')) return { kind: 'already_paid' };
  if (attempts.some((a) => a.status === 'pending')) return { kind: 'in_progress' };
  return { kind: 'retry', revision, attempt: Math.max(...current.map((a) => a.attempt)) + 1 };
}

export type RefundCheck = { ok: true; amount: string } | { ok: false; reason: string };

/**
 * How much a refund may take: by default what is left of the capture; never more than that, never
 * zero or less. Amounts and currencies are exact decimals.
 */
export function checkRefund(
  captured: { amount: string; currency: string },
  alreadyRefunded: string,
  requested?: { amount: string; currency?: string },
): RefundCheck {
  const left = toUnits(captured.amount) - toUnits(alreadyRefunded);
  if (requested?.currency !== undefined && requested.currency !== captured.currency)
    return { ok: false, reason: `the payment was captured in ${captured.currency}` };
  const wanted = requested ? toUnits(requested.amount) : left;
  if (left <= 0n) return { ok: false, reason: 'the payment is already fully refunded' };
  if (wanted <= 0n) return { ok: false, reason: 'a refund must be more than zero' };
  if (wanted > left)
    return { ok: false, reason: `at most ${fromUnits(left)} ${captured.currency} can still be refunded` };
  return { ok: true, amount: fromUnits(wanted) };
}

/** Delay before the next provider call after a timeout or 5xx: doubling, capped. */
export function retryDelayMs(triesSoFar: number, baseMs: number, capMs = 60_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, triesSoFar - 1));
}

/** A payment as far as refunding it is concerned. */
export interface Capture {
  status: PaymentStatus;
  revision: number;
  amount: string;
  /** as stored: char(3), maybe padded */
  currency: string;
  refundedAmount: string;
}

/**
 * What is left to refund of each capture among `payments` whose revision is below `belowRevision`
 * (all of them by default); captures already refunded in full are left out.
 */
export function refundsDue<T extends Capture>(
  payments: readonly T[],
  belowRevision = Number.POSITIVE_INFINITY,
): { payment: T; amount: string }[] {
  const due: { payment: T; amount: string }[] = [];
  for (const payment of payments) {
    if (payment.status !== 'succeeded' || payment.revision >= belowRevision) continue;
    const check = checkRefund(
      { amount: payment.amount, currency: payment.currency.trim() },
      payment.refundedAmount,
    );
    if (check.ok) due.push({ payment, amount: check.amount });
  }
  return due;
}

/**
 * The key the provider sees for a refund. A return's refund is asked under a key derived from the
 * return, so the provider itself answers any second request for that return with the first refund
 * (the unique return_id already keeps payments from recording two); any other refund under its own id.
 */
export function refundKey(refund: { id: string; returnId?: string | null }): string {
  return refund.returnId ? `return:${refund.returnId}` : refund.id;
}

/**
 * The capture returned lines are refunded from: the succeeded payment of the order's latest charged
 * revision — what the customer paid for the lines that were delivered. (A capture of an older revision
 * was refunded in full when the lines changed.) None when the order has no capture.
 */
export function captureForReturn<T extends Capture & { attempt: number }>(
  payments: readonly T[],
): T | undefined {
  let latest: T | undefined;
  for (const payment of payments) {
    if (payment.status !== 'succeeded') continue;
    if (
      !latest ||
      payment.revision > latest.revision ||
      (payment.revision === latest.revision && payment.attempt > latest.attempt)
    )
      latest = payment;
  }
  return latest;
}

export type ReturnRefundDecision =
  /** `capped`: less than the return asked for, since no more was left of the capture */
  { kind: 'refund'; amount: string; capped: boolean } | { kind: 'none'; reason: string };

/**
 * How much of a return's `refund` is paid back from `captured`: never more than what is left of it
 * (captured minus refunded, refunds in flight included). A return asking for more than is left — an
 * admin refunded part of the order by hand before, say — gets what is left (`capped`; the caller logs
 * it) rather than nothing: the goods are back, and the customer never gets more than they paid. Nothing
 * when nothing is left, when the amount is not positive, or in another currency than the capture.
 */
export function decideReturnRefund(
  captured: Capture,
  requested: { amount: string; currency: string },
): ReturnRefundDecision {
  const currency = captured.currency.trim();
  if (requested.currency !== currency)
    return { kind: 'none', reason: `the payment was captured in ${currency}, not ${requested.currency}` };
  const wanted = toUnits(requested.amount);
  if (wanted <= 0n) return { kind: 'none', reason: 'a refund must be more than zero' };
  const left = toUnits(captured.amount) - toUnits(captured.refundedAmount);
  if (left <= 0n) return { kind: 'none', reason: 'the payment is already fully refunded' };
  return wanted > left
    ? { kind: 'refund', amount: fromUnits(left), capped: true }
    : { kind: 'refund', amount: fromUnits(wanted), capped: false };
}
