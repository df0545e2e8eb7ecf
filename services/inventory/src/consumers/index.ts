// Every consumer of inventory (queues `<exchange>.inventory.<name>`).
import { afterCommitHooks } from '@mercato/db';
import { consumerTopology } from '@mercato/messaging';
import type { ServiceContext } from '@mercato/service';
import type { StockCache } from '../persistence/stock-cache.ts';
import type { LedgerDeps } from '../use-cases/ledger.ts';
import { commit, paymentDeclined, paymentRetryStarted, release, reserve, restock } from './reservations.ts';

const RELEASE_CONSUMER = 'release-stock';

export async function registerConsumers(
  ctx: ServiceContext,
  opts: { stockCache: StockCache; levels: { changed(productIds: Iterable<string>): void } },
): Promise<void> {
  const { broker, logger: log } = ctx;
  // The consumer's transaction commits after the handler returns: the cache is dropped on that
  // commit, not before, so no reader can put the old level back in the meantime; and the new levels
  // are announced (coalesced) from then on.
  const afterCommit = afterCommitHooks(ctx.orm);
  const deps: LedgerDeps = {
    touched(em, productIds) {
      const ids = [...productIds];
      afterCommit(em, () => {
        opts.levels.changed(ids);
        return opts.stockCache.invalidate(ids);
      });
    },
  };

  // Reserving writes only to the database (cache and levels follow the commit): under load the
  // orders waiting for this consumer are reserved in one transaction, a commit for many.
  await ctx.consume(
    'reserve-stock',
    { 'order.placed': reserve(deps), 'order.lines_changed': reserve(deps) },
    { batchSize: 20 },
  );
  // Only order.cancelled gives the stock back. A declined payment does not end the order any
  // more (orders keeps it PENDING for a retry within PAYMENT_RETRY_WINDOW_MS); when it does
  // end, whether at once or after the window, orders says so with order.cancelled (its hold may
  // be reclaimed earlier by another order: see the payment-holds consumer below). Anything else
  // still delivered through a binding left from an earlier version (see below) is ignored by the
  // consumer: this one has no handler for it.
  await ctx.consume(RELEASE_CONSUMER, { 'order.cancelled': release(deps) });
  // Once per order (orders emits order.shipped when the last of its parcels is picked up): the
  // whole hold, over every store, becomes a deduction; a second copy finds nothing held.
  await ctx.consume('commit-stock', { 'order.shipped': commit(deps) });
  // A return delivered to a store puts its units back on hand there (shipping's return.received).
  await ctx.consume('return-stock', { 'return.received': restock(deps) });
  // A declined order's hold yields to other buyers when stock runs short (stock hoarding); a retry
  // keeps it. Rare events: nothing here is on a paid order's way.
  await ctx.consume('payment-holds', {
    'payment.failed': paymentDeclined,
    'payment.retry_started': paymentRetryStarted,
  });

  // The release queue used to be bound to payment.failed too, and a durable queue keeps its
  // bindings across deployments: drop that one (on every connect, since a replica of the older
  // version still running in a rolling update may bind it again; what it brings is ignored).
  const queue = consumerTopology(broker.exchange, `inventory.${RELEASE_CONSUMER}`, []).queue;
  await broker.onConnected(async (conn) => {
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    try {
      await ch.unbindQueue(queue, broker.exchange, 'payment.failed');
    } catch (err) {
      log.warn({ err, queue }, 'could not drop the payment.failed binding of the release queue');
    } finally {
      await ch.close().catch(() => {});
    }
  });
}
