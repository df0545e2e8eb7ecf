// shipping's news about an order's parcels, run in the consumer's transaction: the last parcel picked
// up moves a CONFIRMED order to SHIPPED (order.shipped: inventory turns the hold into a deduction), and
// every parcel delivered moves it to DELIVERED. The order's own state decides, as for every event: one
// arriving late, twice or out of order (delivered before shipped) changes nothing it should not.
import type { ShipmentDelivered, ShipmentShipped } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import type { Envelope, Logger } from '@mercato/messaging';
import { canTransition, ORDER_STATUSES, type OrderStatus } from '../domain/status.ts';
import { advanceShipping, findOrderForUpdate, type ShippingStep, transition } from '../persistence/orders.ts';

export type ShipmentEvent =
  | (Envelope<ShipmentShipped> & { type: 'shipment.shipped' })
  | (Envelope<ShipmentDelivered> & { type: 'shipment.delivered' });

/** Where the order is in the machine: SHIPPED and DELIVERED are further than CONFIRMED. */
const rank = (status: OrderStatus) => ORDER_STATUSES.indexOf(status);

/** The walk of a shipped order: delivered first passes through SHIPPED (recorded and announced too). */
const SHIPPING_STEPS: readonly ShippingStep[] = [
  { from: 'CONFIRMED', to: 'SHIPPED' },
  { from: 'SHIPPED', to: 'DELIVERED' },
];

/** The steps of the walk up to `target`; an order takes them from the one that starts at its status. */
const stepsTo = (target: ShippingStep['to']) =>
  SHIPPING_STEPS.slice(0, SHIPPING_STEPS.findIndex((step) => step.to === target) + 1);

/**
 * shipment.shipped with `orderShipped`: CONFIRMED → SHIPPED. shipment.delivered with `orderDelivered`:
 * → DELIVERED, from CONFIRMED through SHIPPED (both recorded and announced, so order.shipped is written
 * exactly once whichever event comes first). Already there or further: nothing. Cause in the history:
 * the event's type.
 */
export async function recordShipmentProgress(
  em: EntityManager,
  event: ShipmentEvent,
  logger: Logger,
): Promise<void> {
  const { data } = event;
  const target = event.type === 'shipment.shipped' ? 'SHIPPED' : 'DELIVERED';
  // Not the order's last parcel yet: the order waits for the others.
  const whole = event.type === 'shipment.shipped' ? event.data.orderShipped : event.data.orderDelivered;
  if (!whole) return;
  const cause = { cause: event.type, causationId: event.id };
  // The common case, a CONFIRMED (or SHIPPED) order of the event's user, in one statement.
  const taken = await advanceShipping(em, { id: data.orderId, userId: data.userId }, stepsTo(target), cause);
  if (taken.length > 0) return;
  // Nothing moved: find out why, with the order locked. It may still have to move here: the event
  // names another user than the order's, or the order's status changed while the statement waited.
  const context = { eventId: event.id, type: event.type, orderId: data.orderId, shipmentId: data.shipmentId };
  const order = await findOrderForUpdate(em, data.orderId);
  if (!order) {
    logger.warn(context, 'shipment of an unknown order ignored');
    return;
  }
  if (order.status === 'CANCELLED' || order.status === 'PENDING') {
    // Shipping sends parcels only for confirmed orders: a cancelled one shipped anyway is for people
    // to look into, not for the status machine to undo.
    logger.warn({ ...context, status: order.status }, `shipment of a ${order.status} order ignored`);
    return;
  }
  if (rank(order.status) >= rank(target)) return; // there already: a redelivery or a late event
  if (order.status === 'CONFIRMED' && target === 'DELIVERED') await transition(em, order, 'SHIPPED', cause);
  if (canTransition(order.status, target)) await transition(em, order, target, cause);
}
