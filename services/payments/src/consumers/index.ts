// Every consumer of payments. Queue names stay `<exchange>.payments.charge`,
// `<exchange>.payments.refund-on-cancel` and `<exchange>.payments.refund-on-return` (the builder
// prefixes `payments.`).
import { afterCommitHooks } from '@mercato/db';
import type { ServiceContext } from '@mercato/service';
import type { ProviderWorker } from '../workers/provider-worker.ts';
import { chargeOnStockReserved } from './charge-on-stock-reserved.ts';
import { refundOnOrderCancelled } from './refund-on-order-cancelled.ts';
import { refundOnReturnReceived } from './refund-on-return-received.ts';

export async function registerConsumers(
  ctx: ServiceContext,
  deps: { worker: ProviderWorker },
): Promise<void> {
  const { worker } = deps;
  const afterCommit = afterCommitHooks(ctx.orm);
  await ctx.consume('charge', {
    'stock.reserved': chargeOnStockReserved({ logger: ctx.logger, worker, afterCommit }),
  });
  await ctx.consume('refund-on-cancel', {
    'order.cancelled': refundOnOrderCancelled({ afterCommit, onRecorded: () => worker.kick() }),
  });
  // Its own queue: a return's refund waits for nothing a charge or a cancellation does.
  await ctx.consume('refund-on-return', {
    'return.received': refundOnReturnReceived({
      logger: ctx.logger,
      afterCommit,
      onRecorded: () => worker.kick(),
    }),
  });
}
