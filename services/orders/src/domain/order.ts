// The shape of an order and its lines as the rules, events and views see them: an ORM entity or a
// plain row written by the hot path's SQL both fit.
import type { CancelReason } from '@mercato/contracts';
import type { ShippingAddress } from './address.ts';
import type { ShippingColumns } from './shipping.ts';
import type { OrderStatus } from './status.ts';

/** With the shipping line's columns (shipping.ts): null, or absent, when the order has none. */
export interface OrderFields extends ShippingColumns {
  id: string;
  userId: string;
  status: OrderStatus;
  /** Grows with every line change; reservations and charges are for one revision. */
  revision: number;
  /** The lines plus the shipping price, when there is a shipping line. */
  totalAmount: string;
  currency: string;
  shippingAddressId: string;
  /** The address as it was when the order was placed; null on orders placed before snapshots. */
  shippingAddress?: ShippingAddress | null;
  /** Set when the customer's account was erased: the address snapshot was removed then. */
  personalDataErasedAt?: Date | null;
  paymentMethod: { type: 'card'; token: string };
  cancelReason?: CancelReason | null;
  paymentFailedAt?: Date | null;
  paymentFailureReason?: string | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export interface ItemFields {
  id: string;
  productId: string;
  productName: string;
  quantity: number;
  unitAmount: string;
  currency: string;
}

/** Why a status changed, as recorded in the history: 'customer', 'payment.succeeded', 'timeout'... */
export type Cause = string;

/** One line's quantity after merging: the same bound as a requested line. */
export const MAX_LINE_QUANTITY = 10_000;

/** The order awaits a payment retry until then (the window runs from the first declined payment). */
export function retryUntil(paymentFailedAt: Date, paymentRetryWindowMs: number): Date {
  return new Date(paymentFailedAt.getTime() + paymentRetryWindowMs);
}
