// POST /shippings/returns: a customer (or an admin for them) sends delivered lines back. Decided under
// the order's row lock, so two returns of the same line at once cannot both pass the "not returned
// yet" check; the return is inserted `booking` and the booking worker books it (kind 'return') like
// a shipment. An Idempotency-Key gives the first return again instead of a second one.
import type { EntityManager } from '@mercato/db';
import {
  fingerprint,
  Idempotency,
  idempotentRequest,
  type StoredResource,
  storedResource,
} from '@mercato/idempotency';
import { HttpProblem, problems } from '@mercato/kit';
import { uuidv7 } from 'uuidv7';
import { planReturn, type ReturnRefusal } from '../domain/returns.ts';
import { addressLabel, type ParcelLine, parcelWeight, storeLabel } from '../domain/shipments.ts';
import { findShippingOrder } from '../persistence/allocations.ts';
import { findReturn, insertReturn, type ReturnParcel, returnedUnits } from '../persistence/returns.ts';
import { shipmentsOfOrder } from '../persistence/shipments.ts';
import type { ShipmentsContext } from './context.ts';
import type { Viewer } from './visibility.ts';

/** POST /shippings/returns's Idempotency-Key records: the id of the return the first request created. */
export const returnKeys: Idempotency<StoredResource> = new Idempotency({
  answer: storedResource,
  table: 'return_idempotency_key',
});

export interface ReturnRequest {
  orderId: string;
  lines: ParcelLine[];
}

function refusal(r: ReturnRefusal): HttpProblem {
  switch (r.kind) {
    case 'order-not-delivered':
      return new HttpProblem({
        status: 422,
        slug: 'order-not-delivered',
        title: 'Unprocessable Entity',
        detail: 'Only an order whose every parcel was delivered can be returned',
      });
    case 'return-window-closed':
      return new HttpProblem({
        status: 422,
        slug: 'return-window-closed',
        title: 'Unprocessable Entity',
        detail: `The return window closed at ${r.closedAt.toISOString()}`,
        extensions: { closedAt: r.closedAt.toISOString() },
      });
    case 'product-not-in-order':
      return new HttpProblem({
        status: 422,
        slug: 'product-not-in-order',
        title: 'Unprocessable Entity',
        detail: `The product ${r.productId} was not shipped with this order`,
        extensions: { productId: r.productId },
      });
    case 'already-returned':
      return new HttpProblem({
        status: 409,
        slug: 'already-returned',
        title: 'Conflict',
        detail: `Only ${r.returnable} unit(s) of ${r.productId} are left to return (asked ${r.requested})`,
        extensions: { productId: r.productId, returnable: r.returnable },
      });
  }
}

export async function requestReturn(
  ctx: ShipmentsContext,
  viewer: Viewer,
  input: ReturnRequest & { idempotencyKey?: string },
  now: () => Date = () => new Date(),
): Promise<{ ret: ReturnParcel; replayed: boolean }> {
  const body = { orderId: input.orderId, lines: input.lines };
  const keyed = idempotentRequest(viewer.sub, input.idempotencyKey, () =>
    fingerprint(body, { unordered: ['lines'] }),
  );
  const em = ctx.orm.em.fork();
  const outcome = await returnKeys.execute(em, keyed, (remember) =>
    em.fork().transactional(async (tx) => {
      const ret = await createReturn(ctx, tx, viewer, body, now());
      await remember(tx, { resourceId: ret.id });
      ctx.afterCommit(tx, () => ctx.wakeBooking('return_parcel'));
      return ret;
    }),
  );
  if (!outcome.replayed) return { ret: outcome.result, replayed: false };
  const first = await findReturn(em.fork(), outcome.answer.resourceId);
  if (!first) throw problems.notFound('No such return');
  return { ret: first, replayed: true };
}

async function createReturn(
  ctx: ShipmentsContext,
  em: EntityManager,
  viewer: Viewer,
  req: ReturnRequest,
  now: Date,
): Promise<ReturnParcel> {
  const order = await findShippingOrder(em, req.orderId, { forUpdate: true });
  if (!order || (viewer.role !== 'admin' && order.userId !== viewer.sub) || !order.shippingAddress)
    throw problems.notFound('No such order');
  const parcels = await shipmentsOfOrder(em, order.orderId);
  const planned = planReturn({
    parcels,
    orderLines: order.lines ?? [],
    alreadyReturned: await returnedUnits(em, order.orderId),
    requested: req.lines,
    windowDays: ctx.config.RETURN_WINDOW_DAYS,
    now,
  });
  if (!planned.ok) throw refusal(planned.refusal);
  const { plan } = planned;
  const weights = await ctx.weightsOf(
    em,
    plan.lines.map((l) => l.productId),
  );
  const store = order.stores?.find((s) => s.storeId === plan.storeId);
  return insertReturn(em, {
    id: uuidv7(),
    orderId: order.orderId,
    userId: order.userId,
    storeId: plan.storeId,
    lines: plan.lines,
    refund: plan.refund,
    fromAddress: addressLabel(order.shippingAddress, 'Customer'),
    toAddress: storeLabel(store, plan.storeId, ctx.config.STORE_COUNTRY),
    weightGrams: parcelWeight(plan.lines, (id) => weights.get(id), ctx.config.DEFAULT_WEIGHT_GRAMS),
  });
}
