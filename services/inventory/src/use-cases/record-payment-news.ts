// payment.failed and payment.retry_started: whether an order's hold may be reclaimed for another
// buyer (reclaim-declined-holds.ts). A declined order keeps its hold, but yields it when stock runs
// short; a customer paying again (a retry) keeps it until that attempt's outcome.
import type { EntityManager } from '@mercato/db';
import { recordPaymentNews } from '../persistence/declined-holds.ts';

export async function recordPaymentDeclined(
  em: EntityManager,
  input: { orderId: string; revision: number; occurredAt: string },
): Promise<void> {
  await recordPaymentNews(em, { ...input, declined: true, at: new Date(input.occurredAt) });
}

export async function recordPaymentRetryStarted(
  em: EntityManager,
  input: { orderId: string; revision: number; occurredAt: string },
): Promise<void> {
  await recordPaymentNews(em, { ...input, declined: false, at: new Date(input.occurredAt) });
}
