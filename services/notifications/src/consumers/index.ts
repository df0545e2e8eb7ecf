// Every consumer of the notifications service. Queue names are '<exchange>.notifications.<name>'.
import type { ServiceContext } from '@mercato/service';
import type { NotificationContext } from '../use-cases/context.ts';
import { accountHandlers } from './accounts.ts';
import { orderHandlers } from './orders.ts';
import { stockHandlers } from './stock.ts';

export const CONSUMERS = ['accounts', 'orders', 'stock'] as const;

export async function registerConsumers(ctx: ServiceContext, nctx: NotificationContext): Promise<void> {
  await ctx.consume('accounts', accountHandlers(nctx));
  await ctx.consume('orders', orderHandlers(nctx));
  await ctx.consume('stock', stockHandlers(nctx));
}
