// Every consumer of invoices. Queue names are '<exchange>.invoices.<name>': keep them as they are.
import type { ServiceContext } from '@mercato/service';
import { creditOnReturnReceived } from './credit-on-return.ts';
import { erasureHandlers } from './erasure.ts';
import { issueOnPaymentSucceeded } from './issue-on-payment.ts';
import { onOrderEvent } from './order-view.ts';

// The read model and issuing run once per order and write only to the database: under load the
// messages waiting for a consumer are handled together, a commit for many (see `batchSize`).
const perOrder = { batchSize: 20 };

export async function registerConsumers(ctx: ServiceContext): Promise<void> {
  await ctx.consume(
    'order-view',
    {
      'order.placed': onOrderEvent,
      'order.lines_changed': onOrderEvent,
    },
    perOrder,
  );
  await ctx.consume('issue', { 'payment.succeeded': issueOnPaymentSucceeded }, perOrder);
  await ctx.consume('credit-note', { 'return.received': creditOnReturnReceived });
  await ctx.consume('erasure', erasureHandlers(ctx.logger));
}
