import type { MikroORM } from '@mercato/db';
import { type Broker, type Logger, startConsumer } from '@mercato/messaging';
import { ORDER_FLOW_EVENTS, orderFlowHandler } from './order-flow.ts';
import { handleProductEvent, PRODUCT_EVENTS } from './product-prices.ts';

/** Starts every consumer of the service; each has its own queue `<exchange>.orders.<name>`. */
export async function startConsumers(opts: {
  orm: MikroORM;
  broker: Broker;
  logger: Logger;
  retryDelaysMs?: number[];
  /** See OrderFlowOptions. */
  paymentRetryWindowMs: number;
}): Promise<{ stop(): Promise<void> }[]> {
  const common = {
    orm: opts.orm,
    broker: opts.broker,
    logger: opts.logger,
    retryDelaysMs: opts.retryDelaysMs,
  };
  return Promise.all([
    startConsumer({
      ...common,
      name: 'orders.product-prices',
      events: PRODUCT_EVENTS,
      handle: handleProductEvent,
    }),
    startConsumer({
      ...common,
      name: 'orders.order-flow',
      events: ORDER_FLOW_EVENTS,
      handle: orderFlowHandler(opts.logger, { paymentRetryWindowMs: opts.paymentRetryWindowMs }),
    }),
  ]);
}
