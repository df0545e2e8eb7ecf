// The shipments part of the shipping service: the consumers that create one shipment per store of a
// confirmed order, the booking worker, the carrier's webhook, the reads and labels, and returns.
// Routes: /shippings (shipments), /shippings/returns, /shippings/webhooks/carrier.
import { afterCommitHooks, type EntityManager } from '@mercato/db';
import { startPeriodic } from '@mercato/kit';
import type { ServiceContext } from '@mercato/service';
import type { Carrier } from '../carrier/carrier.ts';
import type { Config } from '../config.ts';
import { orderHandlers } from '../consumers/orders.ts';
import { stockHandlers } from '../consumers/stock.ts';
import { deleteExpiredSignatures } from '../persistence/shipments-tracking.ts';
import { productWeights } from '../persistence/shipments-weights.ts';
import returnsRoutes from '../routes/returns/index.ts';
import shipmentsRoutes from '../routes/shipments/index.ts';
import webhookRoutes from '../routes/webhooks/index.ts';
import type { ShipmentsContext } from '../use-cases/context.ts';
import { returnKeys } from '../use-cases/request-return.ts';
import { BookingWorker } from '../workers/booking.ts';
import { shippingMetrics } from '../workers/metrics.ts';

/** How often old webhook signatures and Idempotency-Key records are deleted. */
const SWEEP_INTERVAL_MS = 60_000;
/** Idempotency-Key records of POST /shippings/returns are kept this long (a client's retries). */
const RETURN_KEY_TTL_HOURS = 24;

export async function setupShipments(
  ctx: ServiceContext,
  config: Config,
  deps: { carrier: Carrier },
): Promise<void> {
  const { app, orm, logger } = ctx;
  const metrics = shippingMetrics(app.metrics, orm);
  const worker = new BookingWorker({
    orm,
    carrier: deps.carrier,
    logger,
    metrics,
    pollMs: config.BOOKING_POLL_INTERVAL_MS,
    retryBaseMs: config.BOOKING_RETRY_BASE_MS,
    retryMaxMs: config.BOOKING_RETRY_MAX_MS,
    // Longer than one carrier call: a parcel in hand is not booked by a second worker meanwhile.
    leaseMs: config.CARRIER_TIMEOUT_MS * 2 + 1_000,
  });
  const sctx: ShipmentsContext = {
    orm,
    carrier: deps.carrier,
    config,
    metrics,
    logger,
    afterCommit: afterCommitHooks(orm),
    wakeBooking: (kind) => worker.kick(kind),
    weightsOf: (em: EntityManager, productIds: readonly string[]) => productWeights(em, productIds),
  };

  await app.register(shipmentsRoutes, { prefix: '/shippings', ctx: sctx });
  await app.register(returnsRoutes, { prefix: '/shippings/returns', ctx: sctx });
  await app.register(webhookRoutes, { prefix: '/shippings/webhooks', ctx: sctx });

  // Last registered, first stopped: the consumers stop (finishing the messages in hand) before the
  // worker they wake, and the sweeper first of all.
  worker.start();
  ctx.stopOnClose(worker);
  await ctx.consume('orders', orderHandlers(sctx));
  await ctx.consume('stock', stockHandlers(sctx));
  ctx.stopOnClose(
    startPeriodic(
      SWEEP_INTERVAL_MS,
      async (stopped) => {
        await deleteExpiredSignatures(orm.em.fork());
        await returnKeys.deleteExpired(orm, RETURN_KEY_TTL_HOURS, { stopped });
      },
      (err) => logger.warn({ err }, 'shipments sweep failed; retrying next round'),
    ),
  );
}
