// When a PENDING order has waited too long: past the overall timeout, or past the payment retry
// window after a declined payment, whichever deadline passed first.

export interface ExpiryRules {
  /** ORDER_PENDING_TIMEOUT_MS: a PENDING order older than this is cancelled (timeout). */
  timeoutMs: number;
  /**
   * PAYMENT_RETRY_WINDOW_MS: a PENDING order whose payment failed longer ago than this is cancelled
   * (payment_failed). Also with 0: an order left waiting from before the window was turned off goes.
   */
  paymentRetryWindowMs: number;
}

/** Why an expired order is cancelled: the deadline that passed first (null: none has passed). */
export function expiredBecause(
  order: { createdAt: Date; paymentFailedAt?: Date | null },
  opts: ExpiryRules,
  now: number,
): 'timeout' | 'payment_failed' | null {
  const timeoutAt = order.createdAt.getTime() + opts.timeoutMs;
  const retryUntil = order.paymentFailedAt
    ? order.paymentFailedAt.getTime() + opts.paymentRetryWindowMs
    : null;
  if (retryUntil !== null && retryUntil < now && retryUntil <= timeoutAt) return 'payment_failed';
  if (timeoutAt < now) return 'timeout';
  return null;
}
