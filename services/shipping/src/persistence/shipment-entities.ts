// The shipments part's tables as the ORM knows them (no `schema`: the ORM's setting applies). Reads
// and writes go through the hand-written SQL of shipments.ts, returns.ts and allocations.ts (upserts
// that lock, SKIP LOCKED leases, conditional updates): the entities give the ORM the tables' shape.
import { defineEntity, p } from '@mikro-orm/core';

export const ShippingOrderSchema = defineEntity({
  name: 'ShippingOrder',
  tableName: 'shipping_order',
  properties: {
    orderId: p.uuid().primary(),
    userId: p.uuid(),
    allocationRevision: p.integer().nullable(),
    allocations: p.json<unknown[]>().nullable(),
    stores: p.json<unknown[]>().nullable(),
    confirmedRevision: p.integer().nullable(),
    shippingAddress: p.json<Record<string, unknown>>().nullable(),
    lines: p.json<unknown[]>().nullable(),
    level: p.string().columnType('text').nullable(),
    shipmentsCreatedAt: p.datetime().columnType('timestamptz').nullable(),
    cancelledAt: p.datetime().columnType('timestamptz').nullable(),
    createdAt: p.datetime().columnType('timestamptz'),
    updatedAt: p.datetime().columnType('timestamptz'),
  },
});

const parcelProperties = {
  id: p.uuid().primary(),
  orderId: p.uuid(),
  userId: p.uuid(),
  storeId: p.uuid(),
  lines: p.json<unknown[]>(),
  fromAddress: p.json<Record<string, unknown>>(),
  toAddress: p.json<Record<string, unknown>>(),
  weightGrams: p.integer(),
  status: p.string().columnType('text'),
  carrier: p.string().columnType('text').nullable(),
  trackingNumber: p.string().columnType('text').nullable(),
  bookingTries: p.integer(),
  nextBookingAt: p.datetime().columnType('timestamptz').nullable(),
  bookingError: p.string().columnType('text').nullable(),
  exceptionCode: p.string().columnType('text').nullable(),
  exceptionDescription: p.string().columnType('text').nullable(),
  exceptionAt: p.datetime().columnType('timestamptz').nullable(),
  createdAt: p.datetime().columnType('timestamptz'),
  updatedAt: p.datetime().columnType('timestamptz'),
};

export const ShipmentSchema = defineEntity({
  name: 'Shipment',
  tableName: 'shipment',
  properties: {
    ...parcelProperties,
    level: p.string().columnType('text'),
    pickedUpAt: p.datetime().columnType('timestamptz').nullable(),
    deliveredAt: p.datetime().columnType('timestamptz').nullable(),
  },
});

export const ReturnParcelSchema = defineEntity({
  name: 'ReturnParcel',
  tableName: 'return_parcel',
  properties: {
    ...parcelProperties,
    refundAmount: p.decimal('string').precision(16).scale(4),
    currency: p.string().columnType('char(3)'),
    receivedAt: p.datetime().columnType('timestamptz').nullable(),
  },
});

export const TrackingEventSchema = defineEntity({
  name: 'TrackingEvent',
  tableName: 'tracking_event',
  properties: {
    eventId: p.string().columnType('text').primary(),
    shipmentId: p.uuid().nullable(),
    returnId: p.uuid().nullable(),
    status: p.string().columnType('text'),
    occurredAt: p.datetime().columnType('timestamptz'),
    code: p.string().columnType('text').nullable(),
    description: p.string().columnType('text').nullable(),
    location: p.string().columnType('text').nullable(),
    receivedAt: p.datetime().columnType('timestamptz'),
  },
});

export const WebhookSignatureSchema = defineEntity({
  name: 'WebhookSignature',
  tableName: 'webhook_signature',
  properties: {
    signature: p.string().columnType('text').primary(),
    expiresAt: p.datetime().columnType('timestamptz'),
  },
});

export const ReturnIdempotencyKeySchema = defineEntity({
  name: 'ReturnIdempotencyKey',
  tableName: 'return_idempotency_key',
  properties: {
    userId: p.uuid().primary(),
    key: p.string().columnType('text').primary(),
    fingerprint: p.string().columnType('text'),
    resourceId: p.uuid(),
    createdAt: p.datetime().columnType('timestamptz'),
  },
});

export const shipmentEntities = [
  ShippingOrderSchema,
  ShipmentSchema,
  ReturnParcelSchema,
  TrackingEventSchema,
  WebhookSignatureSchema,
  ReturnIdempotencyKeySchema,
];
