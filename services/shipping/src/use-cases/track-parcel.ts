// The carrier's tracking events (POST /shippings/webhooks/carrier), after the signature was verified.
// In ONE transaction: the signature is remembered (the same request again is a replay: 409), the
// event is recorded once by its eventId (a redelivery: 200, no second effect), the parcel moves to the
// furthest point reached (events come out of order: a late in_transit never moves it back), and the
// events that follow go to the outbox:
//   - a shipment picked up (or any later point) for the first time: shipment.shipped, orderShipped when
//     every parcel of the order has now left;
//   - delivered for the first time: shipment.delivered (after shipment.shipped if it never was), with
//     orderDelivered when every parcel of the order is delivered;
//   - an exception: shipment.exception and the metric; the parcel shows it until a progress event that
//     happened later;
//   - a return delivered to the store: return.received (the stock goes back, the lines are refunded).
// Every webhook of one order takes the order's row lock first, so two parcels of one order reported
// at once are decided one after the other: exactly one of them sees the order complete.
// Round trips (each one costs both sides CPU): the signature, the parcel's table and the order's lock
// in the first statement; the parcel's lock, the event recorded and the order's other shipments read
// in the second (a statement of its own, so it sees what the order's earlier webhooks committed); the
// parcel's change and its events in the third; then the commit.
import type {
  ReturnReceived,
  ShipmentDelivered,
  ShipmentException,
  ShipmentShipped,
} from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { HttpProblem, problems } from '@mercato/kit';
import { type Envelope, envelope } from '@mercato/messaging';
import type { CarrierEvent } from '../carrier/carrier.ts';
import { verifyWebhookSignature } from '../carrier/webhook-signature.ts';
import { hasLeft, isFurther } from '../domain/shipments.ts';
import { returnFromRow } from '../persistence/returns.ts';
import {
  lockParcelAndRecordEvent,
  type ParcelTable,
  rememberSignatureAndLockOrder,
  type Shipment,
  shipmentFromRow,
  type TrackingChange,
  updateTracking,
} from '../persistence/shipments.ts';
import { progressAfter } from '../persistence/shipments-tracking.ts';
import type { ShipmentsContext } from './context.ts';
import { SOURCE } from './record-booking.ts';

export interface VerifiedRequest {
  signature: string;
  timestamp: number;
}

/** 401 unless the request is signed with the shared secret within the tolerance. */
export function checkSignature(
  ctx: ShipmentsContext,
  header: string | string[] | undefined,
  rawBody: string,
): VerifiedRequest {
  const check = verifyWebhookSignature({
    header,
    rawBody,
    secret: ctx.config.CARRIER_WEBHOOK_SECRET,
    toleranceSeconds: ctx.config.WEBHOOK_TOLERANCE_SECONDS,
  });
  if (!check.ok) {
    ctx.metrics.webhooks.inc({ outcome: check.reason });
    throw new HttpProblem({
      status: 401,
      slug: 'webhook-signature-invalid',
      title: 'Unauthorized',
      detail: {
        'missing-signature': 'The Carrier-Signature header is missing',
        'bad-signature': 'The Carrier-Signature does not match the body',
        'stale-timestamp': 'The signed timestamp is outside the accepted window',
      }[check.reason],
      extensions: { reason: check.reason },
    });
  }
  return { signature: check.signature, timestamp: check.timestamp };
}

export async function recordCarrierEvent(
  ctx: ShipmentsContext,
  verified: VerifiedRequest,
  event: CarrierEvent,
): Promise<{ duplicate: boolean }> {
  try {
    const result = await ctx.orm.em.fork().transactional(async (em) => {
      // Kept while the timestamp is acceptable (either side of now), then useless to a replayer.
      const expiresAt = new Date((verified.timestamp + ctx.config.WEBHOOK_TOLERANCE_SECONDS + 1) * 1000);
      // The signature, the parcel's table and the order's lock in one round trip: a replay is refused
      // before anything else is looked at, whatever else that statement found.
      const first = await rememberSignatureAndLockOrder(
        em,
        { signature: verified.signature, expiresAt },
        event.trackingNumber,
      );
      if (!first.fresh) {
        throw new HttpProblem({
          status: 409,
          slug: 'webhook-replayed',
          title: 'Conflict',
          detail: 'This signed request was received before',
        });
      }
      return track(ctx, em, first.table, event);
    });
    ctx.metrics.webhooks.inc({ outcome: result.duplicate ? 'duplicate' : 'accepted' });
    return result;
  } catch (err) {
    if (err instanceof HttpProblem)
      ctx.metrics.webhooks.inc({
        outcome: err.status === 409 ? 'replayed' : err.status === 404 ? 'unknown-parcel' : 'refused',
      });
    throw err;
  }
}

async function track(
  ctx: ShipmentsContext,
  em: EntityManager,
  tbl: ParcelTable | undefined,
  e: CarrierEvent,
): Promise<{ duplicate: boolean }> {
  const unknown = () => problems.notFound(`No parcel has the tracking number ${e.trackingNumber}`);
  // The order's row is locked (the first statement): now the parcel, with the event recorded.
  if (!tbl) throw unknown();
  const occurredAt = new Date(e.occurredAt);
  const parcel = await lockParcelAndRecordEvent(em, tbl, e.trackingNumber, {
    eventId: e.eventId,
    status: e.status,
    occurredAt,
    code: e.code,
    description: e.description,
    location: e.location,
  });
  if (!parcel) throw unknown();
  if (!parcel.recorded) return { duplicate: true };
  if (tbl === 'shipment')
    await trackShipment(ctx, em, shipmentFromRow(parcel.row), parcel.orderParcels, e, occurredAt);
  else await trackReturn(ctx, em, parcel.row, e, occurredAt);
  return { duplicate: false };
}

/** The change a progress or exception event makes to a parcel's status and exception. */
async function statusChange(
  em: EntityManager,
  ref: { table: ParcelTable; id: string },
  current: { status: string; exception: { at: Date } | null },
  e: CarrierEvent,
  occurredAt: Date,
): Promise<TrackingChange> {
  const change: TrackingChange = {};
  if (e.status === 'exception') {
    // Shown until a progress event that happened after it: one already recorded means it is resolved.
    const newer = !current.exception || occurredAt >= current.exception.at;
    if (newer && !(await progressAfter(em, ref, occurredAt)))
      change.exception = { code: e.code ?? 'unknown', description: e.description ?? '', at: occurredAt };
    return change;
  }
  if (isFurther(current.status, e.status)) change.status = e.status;
  if (current.exception && occurredAt > current.exception.at) change.exception = null;
  return change;
}

async function trackShipment(
  ctx: ShipmentsContext,
  em: EntityManager,
  s: Shipment,
  orderParcels: { id: string; status: string }[],
  e: CarrierEvent,
  occurredAt: Date,
): Promise<void> {
  // The order was cancelled: the history is kept, but the parcel and the order stay where they are.
  if (s.status === 'cancelled') return;
  const ref = { table: 'shipment' as const, id: s.id };
  const change = await statusChange(em, ref, s, e, occurredAt);
  const facts = {
    shipmentId: s.id,
    orderId: s.orderId,
    userId: s.userId,
    storeId: s.storeId,
    carrier: s.carrier ?? 'unknown',
    trackingNumber: s.trackingNumber ?? e.trackingNumber,
    lines: s.lines,
  };
  const meta = { source: SOURCE, correlationId: s.orderId };
  const events: Envelope[] = [];
  if (e.status === 'exception') {
    ctx.metrics.exceptions.inc({ code: e.code ?? 'unknown' });
    ctx.logger.warn({ shipmentId: s.id, code: e.code, description: e.description }, 'carrier exception');
    const data: ShipmentException = {
      ...facts,
      code: e.code ?? 'unknown',
      description: e.description ?? '',
      at: occurredAt.toISOString(),
    };
    events.push(envelope('shipment.exception', data, meta));
  }
  const next = change.status ?? s.status;
  const leaves = !hasLeft(s.status) && hasLeft(next);
  const arrives = s.status !== 'delivered' && next === 'delivered';
  if (leaves) change.pickedUpAt = occurredAt;
  if (arrives) change.deliveredAt = occurredAt;
  if (leaves || arrives) {
    // The order's shipments as they are once this change is written (the others were read under the
    // order's lock, after every earlier webhook of the order committed).
    const all = orderParcels.map((p) => (p.id === s.id ? { ...p, status: next } : p));
    if (leaves) {
      const data: ShipmentShipped = {
        ...facts,
        orderShipped: all.every((p) => hasLeft(p.status)),
        at: occurredAt.toISOString(),
      };
      events.push(envelope('shipment.shipped', data, meta));
    }
    if (arrives) {
      const data: ShipmentDelivered = {
        ...facts,
        orderDelivered: all.every((p) => p.status === 'delivered'),
        at: occurredAt.toISOString(),
      };
      events.push(envelope('shipment.delivered', data, meta));
    }
  }
  await updateTracking(em, 'shipment', s.id, change, events);
}

async function trackReturn(
  ctx: ShipmentsContext,
  em: EntityManager,
  row: Record<string, any>,
  e: CarrierEvent,
  occurredAt: Date,
): Promise<void> {
  const r = returnFromRow(row);
  const ref = { table: 'return_parcel' as const, id: r.id };
  const change = await statusChange(em, ref, r, e, occurredAt);
  if (e.status === 'exception') {
    ctx.metrics.exceptions.inc({ code: e.code ?? 'unknown' });
    ctx.logger.warn(
      { returnId: r.id, code: e.code, description: e.description },
      'carrier exception (return)',
    );
  }
  // A return delivered is a return received by its store.
  if (change.status === 'delivered') change.status = 'received';
  const received = r.status !== 'received' && change.status === 'received';
  if (received) change.receivedAt = occurredAt;
  if (!received) {
    await updateTracking(em, 'return_parcel', r.id, change);
    return;
  }
  const data: ReturnReceived = {
    returnId: r.id,
    orderId: r.orderId,
    userId: r.userId,
    storeId: r.storeId,
    lines: r.lines,
    refund: r.refund,
    at: occurredAt.toISOString(),
  };
  await updateTracking(em, 'return_parcel', r.id, change, [
    envelope('return.received', data, { source: SOURCE, correlationId: r.orderId }),
  ]);
}
