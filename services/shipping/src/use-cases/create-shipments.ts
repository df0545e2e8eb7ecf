// From a confirmed order to its parcels. stock.reserved says which stores hold the units, order.confirmed
// where they go and at which level; they come in either order (two queues, retries), so each handler
// keeps its half on the order's row (locked, see persistence/allocations.ts) and whichever has the
// second half creates one shipment per store, in the consumer's (inbox) transaction. The booking
// worker, woken at commit, books them with the carrier.
import type { OrderCancelled, OrderConfirmed, StockReserved } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { uuidv7 } from 'uuidv7';
import { addressLabel, parcelWeight, planParcels, storeLabel } from '../domain/shipments.ts';
import {
  type KeptHalf,
  keepAllocationsHalf,
  keepConfirmationHalf,
  lockShippingOrder,
  markOrderCancelled,
} from '../persistence/allocations.ts';
import { cancelOpenShipments, insertShipments } from '../persistence/shipments.ts';
import type { ShipmentsContext } from './context.ts';

export async function keepAllocations(
  ctx: ShipmentsContext,
  em: EntityManager,
  data: StockReserved,
): Promise<void> {
  if (!data.allocations?.length) {
    // Written before inventory said where the units are: nothing to ship from.
    ctx.logger.warn({ orderId: data.orderId }, 'stock.reserved without allocations: no shipments from it');
    return;
  }
  // Kept unless the shipments exist, the order was cancelled, or a newer reservation is kept (one of
  // an earlier revision, the order's lines changed since, is not where the units are).
  const kept = await keepAllocationsHalf(em, data.orderId, data.userId, {
    revision: data.revision,
    allocations: data.allocations,
    stores: data.stores ?? [],
  });
  if (kept) await createIfComplete(ctx, em, kept);
}

export async function keepConfirmation(
  ctx: ShipmentsContext,
  em: EntityManager,
  data: OrderConfirmed,
): Promise<void> {
  if (!data.shippingAddress) {
    // An order confirmed before orders snapshotted the address: shipping cannot know where it goes.
    ctx.logger.warn({ orderId: data.orderId }, 'order.confirmed without a shipping address: no shipments');
    return;
  }
  // Kept unless the shipments exist or the order was cancelled.
  const kept = await keepConfirmationHalf(em, data.orderId, data.userId, {
    revision: data.revision,
    shippingAddress: data.shippingAddress,
    lines: data.lines.map((l) => ({ productId: l.productId, quantity: l.quantity, unitPrice: l.unitPrice })),
    level: data.shipping?.level ?? ('standard' as const),
  });
  if (kept) await createIfComplete(ctx, em, kept);
}

/** Creates the order's shipments when both halves are in: the allocations of the confirmed revision. */
async function createIfComplete(ctx: ShipmentsContext, em: EntityManager, { order, weights }: KeptHalf) {
  const { allocations, shippingAddress, confirmedRevision, allocationRevision } = order;
  if (!allocations || !shippingAddress || confirmedRevision === null || allocationRevision === null) return;
  // The allocations of an older revision than the confirmed one: the newer stock.reserved is coming.
  if (allocationRevision < confirmedRevision) return;
  const parcels = planParcels(allocations);
  const stores = new Map((order.stores ?? []).map((s) => [s.storeId, s]));
  const to = addressLabel(shippingAddress, 'Customer');
  await insertShipments(
    em,
    order.orderId,
    parcels.map((p) => ({
      id: uuidv7(),
      orderId: order.orderId,
      userId: order.userId,
      storeId: p.storeId,
      level: order.level ?? 'standard',
      lines: p.lines,
      fromAddress: storeLabel(stores.get(p.storeId), p.storeId, ctx.config.STORE_COUNTRY),
      toAddress: to,
      weightGrams: parcelWeight(p.lines, (id) => weights.get(id), ctx.config.DEFAULT_WEIGHT_GRAMS),
    })),
  );
  ctx.afterCommit(em, () => ctx.wakeBooking('shipment'));
}

/**
 * order.cancelled: no shipments for it from now on, and its parcels not picked up yet are cancelled
 * (inventory releases the stock and payments refunds: nothing may leave the store). A parcel the
 * carrier has already picked up cannot be called back here: it is logged for the staff.
 */
export async function cancelShipments(
  ctx: ShipmentsContext,
  em: EntityManager,
  data: OrderCancelled,
): Promise<void> {
  await lockShippingOrder(em, data.orderId, data.userId);
  await markOrderCancelled(em, data.orderId);
  const { alreadyLeft } = await cancelOpenShipments(em, data.orderId);
  if (alreadyLeft.length > 0)
    ctx.logger.error(
      { orderId: data.orderId, shipmentIds: alreadyLeft },
      'order cancelled after parcels were picked up: they need the staff',
    );
}
