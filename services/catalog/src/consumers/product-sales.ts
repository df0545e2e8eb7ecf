// What catalog hears from orders: confirmed orders, counted as sales per product (search ranks
// equally relevant products by them).
import type { OrderConfirmed } from '@mercato/contracts';
import type { EventHandler } from '@mercato/messaging';
import { recordSales } from '../use-cases/record-sales.ts';

export const orderConfirmed: EventHandler<OrderConfirmed, 'order.confirmed'> = (event, em) =>
  recordSales(em, event.data.lines);
