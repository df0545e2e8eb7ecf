import type { ReturnParcel } from '../../persistence/returns.ts';
import type { TrackingEvent } from '../../persistence/shipments-tracking.ts';
import { toTrackingView } from '../shipments/view.ts';
import type { ReturnView } from './schemas.ts';

const iso = (d: Date | string) => new Date(d).toISOString();

export function toReturnView(r: ReturnParcel, tracking?: TrackingEvent[]): ReturnView {
  return {
    id: r.id,
    orderId: r.orderId,
    userId: r.userId,
    storeId: r.storeId,
    status: r.status,
    lines: r.lines,
    refund: r.refund,
    ...(r.carrier ? { carrier: r.carrier } : {}),
    ...(r.trackingNumber ? { trackingNumber: r.trackingNumber } : {}),
    labelUrl: `/shippings/returns/${r.id}/label`,
    from: r.fromAddress,
    to: r.toAddress,
    weightGrams: r.weightGrams,
    ...(r.bookingError ? { bookingError: r.bookingError } : {}),
    ...(r.exception
      ? {
          exception: {
            code: r.exception.code,
            description: r.exception.description,
            at: iso(r.exception.at),
          },
        }
      : {}),
    ...(r.receivedAt ? { receivedAt: iso(r.receivedAt) } : {}),
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
    ...(tracking ? { tracking: tracking.map(toTrackingView) } : {}),
  };
}
