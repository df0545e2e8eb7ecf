// Orders' own tables. No `schema` here: the ORM's schema setting applies (orders, or a test schema).
// (idempotency_key, created by the migrations, is @mercato/idempotency's: read and written as SQL.)
// Items and history refer to their order by id rather than as ORM relations: every read of them is a
// plain query by order id, and the order row is the one that carries the version (ETag).
import type { CancelReason, ServiceLevel } from '@mercato/contracts';
import { messagingEntities } from '@mercato/messaging';
import { defineEntity, p } from '@mikro-orm/core';
import type { ShippingAddress } from '../domain/address.ts';
import type { OrderStatus } from '../domain/status.ts';

export const OrderSchema = defineEntity({
  name: 'Order',
  tableName: 'orders',
  properties: {
    id: p.uuid().primary(),
    userId: p.uuid().index(),
    status: p.string().columnType('text').$type<OrderStatus>(),
    /** Grows with every line change; reservations and charges are for one revision. */
    revision: p.integer(),
    /** The lines plus the shipping price (when there is a shipping line). */
    totalAmount: p.decimal('string').precision(16).scale(4),
    currency: p.string().columnType('char(3)'),
    /**
     * The shipping line: the quote (shipping's) it was chosen from, the level and the quoted price in
     * the order's currency. All three null: the order has none.
     */
    shippingQuoteId: p.uuid().nullable(),
    shippingLevel: p.string().columnType('text').$type<ServiceLevel>().nullable(),
    shippingAmount: p.decimal('string').precision(16).scale(4).nullable(),
    shippingAddressId: p.uuid(),
    /** The address as identity had it at placement: later edits there do not reach the order. */
    shippingAddress: p.json<ShippingAddress>().nullable(),
    /** When the customer's account was erased (user.erased): the address snapshot is gone since. */
    personalDataErasedAt: p.datetime().columnType('timestamptz').nullable(),
    paymentMethod: p.json<{ type: 'card'; token: string }>(),
    cancelReason: p.string().columnType('text').$type<CancelReason>().nullable(),
    /**
     * The first declined payment of the current revision while PENDING: the payment retry window
     * runs from here. Cleared when the order is confirmed or its lines change (a new charge).
     */
    paymentFailedAt: p.datetime().columnType('timestamptz').nullable(),
    /** The provider's reason for the latest declined payment (card_declined, provider_unavailable...). */
    paymentFailureReason: p.string().columnType('text').nullable(),
    createdAt: p.datetime().columnType('timestamptz'),
    updatedAt: p.datetime().columnType('timestamptz'),
    version: p.integer().version(),
  },
});
export class Order extends OrderSchema.class {}
OrderSchema.setClass(Order);

export const OrderItemSchema = defineEntity({
  name: 'OrderItem',
  tableName: 'order_item',
  properties: {
    id: p.uuid().primary(),
    orderId: p.uuid(),
    productId: p.uuid(),
    productName: p.string().columnType('text'),
    quantity: p.integer(),
    /** Snapshot of the read model's price when the line was added: later price changes don't touch it. */
    unitAmount: p.decimal('string').precision(16).scale(4),
    currency: p.string().columnType('char(3)'),
    createdAt: p.datetime().columnType('timestamptz'),
  },
});
export class OrderItem extends OrderItemSchema.class {}
OrderItemSchema.setClass(OrderItem);

export const StatusChangeSchema = defineEntity({
  name: 'StatusChange',
  tableName: 'order_status_history',
  properties: {
    id: p.uuid().primary(),
    orderId: p.uuid(),
    fromStatus: p.string().columnType('text').$type<OrderStatus>().nullable(),
    toStatus: p.string().columnType('text').$type<OrderStatus>(),
    at: p.datetime().columnType('timestamptz'),
    cause: p.string().columnType('text'),
  },
});
export class StatusChange extends StatusChangeSchema.class {}
StatusChangeSchema.setClass(StatusChange);

/** The read model of catalog prices. A deleted product stays as a tombstone so that an older
 * `product.updated` arriving late cannot bring it back. */
export const ProductPriceSchema = defineEntity({
  name: 'ProductPrice',
  tableName: 'product_price',
  properties: {
    productId: p.uuid().primary(),
    name: p.string().columnType('text'),
    amount: p.decimal('string').precision(16).scale(4),
    currency: p.string().columnType('char(3)'),
    active: p.boolean(),
    deleted: p.boolean(),
    /** The catalog row's version of the snapshot held. */
    version: p.integer(),
    updatedAt: p.datetime().columnType('timestamptz'),
  },
});
export class ProductPrice extends ProductPriceSchema.class {}
ProductPriceSchema.setClass(ProductPrice);

export const entities = [
  OrderSchema,
  OrderItemSchema,
  StatusChangeSchema,
  ProductPriceSchema,
  ...messagingEntities,
];
