// stock.reserved → a pending charge for that order revision. The provider is called by the
// ProviderWorker after this transaction commits (see provider-worker.ts for why, and for how
// redelivery stays harmless at every step).
import type { StockReserved } from '@mercato/contracts';
import { normalizeAmount } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import type { Envelope, Logger } from '@mercato/messaging';
import { LockMode } from '@mikro-orm/core';
import { uuidv7 } from 'uuidv7';
import { chargeKey } from '../domain/payment-rules.ts';
import { OrderCancellation, Payment } from '../entities.ts';
import { DUE_AT_ONCE, refundSuperseded } from '../provider-worker.ts';

export function chargeOnStockReserved(opts: { logger: Logger; onRecorded: () => void }) {
  return async (event: Envelope, em: EntityManager): Promise<void> => {
    const data = event.data as StockReserved;
    // A reservation that arrives after the order was cancelled is stale: charging it would only
    // lead to a refund.
    if (await em.findOne(OrderCancellation, { orderId: data.orderId })) {
      opts.logger.info({ orderId: data.orderId }, 'stock.reserved for a cancelled order: not charged');
      return;
    }
    // Locked: a capture of an older revision finishing right now is waited for (see below).
    const earlier = await em.find(
      Payment,
      { orderId: data.orderId },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    // This revision seen before (a copy under another message id), or a newer one: nothing to do.
    if (earlier.some((p) => p.revision >= data.revision)) return;
    // The lines changed after an older revision was captured: orders ignores that capture as stale,
    // so it is refunded and the new revision charged.
    if (refundSuperseded(em, earlier, data.revision, event.id)) setTimeout(opts.onRecorded, 20).unref();
    const now = new Date();
    em.create(Payment, {
      id: uuidv7(),
      orderId: data.orderId,
      userId: data.userId,
      revision: data.revision,
      attempt: 1,
      amount: normalizeAmount(data.total.amount),
      currency: data.total.currency,
      paymentMethod: data.paymentMethod,
      idempotencyKey: chargeKey(data.orderId, data.revision, 1),
      status: 'pending',
      failureReason: null,
      providerRef: null,
      refundedAmount: '0',
      tries: 0,
      nextTryAt: DUE_AT_ONCE,
      causationId: event.id,
      createdAt: now,
      updatedAt: now,
    });
    // Woken a moment later: by then this transaction has normally committed; if not, the poll finds it.
    setTimeout(opts.onRecorded, 20).unref();
  };
}
