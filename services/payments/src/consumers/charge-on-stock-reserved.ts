// stock.reserved → a pending charge for that order revision. The provider is called by the
// ProviderWorker after this transaction commits (see provider-worker.ts for why, and for how
// redelivery stays harmless at every step).
import type { StockReserved } from '@mercato/contracts';
import { normalizeAmount } from '@mercato/contracts';
import type { AfterCommit, EntityManager } from '@mercato/db';
import type { Envelope, Logger } from '@mercato/messaging';
import { LockMode } from '@mikro-orm/core';
import { uuidv7 } from 'uuidv7';
import { chargeKey } from '../domain/payment-rules.ts';
import { OrderCancellation, Payment } from '../entities.ts';
import { DUE_AT_ONCE, type ProviderWorker, refundSuperseded } from '../provider-worker.ts';

export function chargeOnStockReserved(opts: {
  logger: Logger;
  worker: ProviderWorker;
  afterCommit: AfterCommit;
}) {
  const { worker } = opts;
  return async (event: Envelope, em: EntityManager): Promise<void> => {
    const data = event.data as StockReserved;
    const now = new Date();
    // The usual case — the order's first stock.reserved, order not cancelled — in one statement: the
    // attempt is inserted only if the order has no payment and no cancellation yet (the checks below
    // would find nothing to lock or refund either). A copy racing it in another transaction meets the
    // unique (order, revision, attempt), inserts nothing, and below finds the first one's row.
    // Anything else (a cancelled order, another revision, a copy) takes the path below.
    // The row is normally inserted already leased to this process's worker (`tries` 1) and handed to
    // it at commit: no poll, no lease query. Without room in the worker (lease 0) it is left due for
    // the poll, like the rows recorded below.
    const leaseMs = worker.takesHandOff() ? worker.leaseMs : 0;
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
        event.id,
        now,
        now,
        data.orderId,
        data.orderId,
      ],
    );
    if (first) {
      const payment = em.map(Payment, first);
      if (leaseMs > 0) opts.afterCommit(em, () => worker.handOff(payment));
      else setTimeout(() => worker.kick(), 20).unref();
      return;
    }

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
    if (refundSuperseded(em, earlier, data.revision, event.id)) setTimeout(() => worker.kick(), 20).unref();
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
    setTimeout(() => worker.kick(), 20).unref();
  };
}
