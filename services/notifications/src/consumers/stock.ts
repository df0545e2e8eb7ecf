// inventory's low-stock alerts (queue <exchange>.notifications.stock): one mail per admin address of
// ADMIN_ALERT_EMAILS. inventory publishes stock.low once per crossing of the threshold, so this is
// one mail per crossing, not one per order.
import type { StockLow } from '@mercato/contracts';
import type { EventHandler } from '@mercato/messaging';
import { productName } from '../persistence/read-models.ts';
import type { NotificationContext } from '../use-cases/context.ts';
import { queueMail } from '../use-cases/queue-mail.ts';

export function stockHandlers(ctx: NotificationContext): {
  'stock.low': EventHandler<StockLow, 'stock.low'>;
} {
  return {
    'stock.low': async (event, em) => {
      const { productId, available, threshold } = event.data;
      const name = (await productName(em, productId)) ?? `Product ${productId}`;
      for (const recipient of ctx.adminEmails) {
        await queueMail(ctx, em, {
          event,
          template: 'stock-low',
          userId: null,
          recipient,
          data: { productId, productName: name, available, threshold },
        });
      }
    },
  };
}
