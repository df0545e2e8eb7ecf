import { Money, Page, PageQuery } from '@mercato/kit';
import { type Static, Type } from 'typebox';

const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });

export const ShipmentStatus = Type.Union(
  [
    Type.Literal('booking'),
    Type.Literal('booking_failed'),
    Type.Literal('label_created'),
    Type.Literal('picked_up'),
    Type.Literal('in_transit'),
    Type.Literal('out_for_delivery'),
    Type.Literal('delivered'),
    Type.Literal('cancelled'),
  ],
  {
    description:
      'The furthest point the parcel reached: booking (with the carrier), booking_failed (refused by the carrier), ' +
      'label_created, picked_up, in_transit, out_for_delivery, delivered; cancelled: the order was cancelled ' +
      'before the parcel was picked up',
  },
);

export const LabelAddressView = Type.Object({
  name: Type.String(),
  lines: Type.Array(Type.String(), { description: 'Street, then postal code and city, as printed' }),
  country: Type.String({ description: 'ISO 3166-1 alpha-2' }),
});

export const ParcelLineView = Type.Object({
  productId: Uuid,
  quantity: Type.Integer({ minimum: 1 }),
});

export const ExceptionView = Type.Object(
  {
    code: Type.String({ description: "The carrier's reason code" }),
    description: Type.String(),
    at: DateTime,
  },
  { description: 'The last carrier exception, shown until a progress event that happened after it' },
);

export const TrackingEventView = Type.Object({
  eventId: Type.String({ description: "The carrier's id of the event" }),
  status: Type.Union([
    Type.Literal('picked_up'),
    Type.Literal('in_transit'),
    Type.Literal('out_for_delivery'),
    Type.Literal('delivered'),
    Type.Literal('exception'),
  ]),
  occurredAt: Type.String({ format: 'date-time', description: 'When it happened at the carrier' }),
  receivedAt: Type.String({ format: 'date-time', description: 'When shipping heard of it' }),
  code: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  location: Type.Optional(Type.String()),
});
export type TrackingEventView = Static<typeof TrackingEventView>;

export const ShipmentSummary = Type.Object({
  id: Uuid,
  orderId: Uuid,
  userId: Uuid,
  storeId: Type.String({ format: 'uuid', description: 'The store the parcel leaves from' }),
  level: Type.Union([Type.Literal('standard'), Type.Literal('express')]),
  status: ShipmentStatus,
  lines: Type.Array(ParcelLineView),
  carrier: Type.Optional(Type.String()),
  trackingNumber: Type.Optional(Type.String({ description: 'Set once the carrier booked the parcel' })),
  labelUrl: Type.Optional(Type.String({ description: 'The PDF label, once the parcel is booked' })),
  from: LabelAddressView,
  to: LabelAddressView,
  weightGrams: Type.Integer({ minimum: 1 }),
  exception: Type.Optional(ExceptionView),
  bookingError: Type.Optional(
    Type.String({ description: 'Why the last booking try failed (the carrier refused, or was unavailable)' }),
  ),
  pickedUpAt: Type.Optional(DateTime),
  deliveredAt: Type.Optional(DateTime),
  createdAt: DateTime,
  updatedAt: DateTime,
});
export type ShipmentSummary = Static<typeof ShipmentSummary>;

export const ShipmentView = Type.Object({
  ...ShipmentSummary.properties,
  tracking: Type.Array(TrackingEventView, { description: 'The tracking history, in the order it happened' }),
});
export type ShipmentView = Static<typeof ShipmentView>;

export const ShipmentPage = Page(ShipmentSummary);

export const ListShipmentsQuery = Type.Object(
  {
    ...PageQuery.properties,
    orderId: Type.Optional(Type.String({ format: 'uuid', description: "The order's shipments" })),
    status: Type.Optional(
      Type.Union([...ShipmentStatus.anyOf, Type.Literal('exception')], {
        description: "A status, or 'exception': parcels whose last carrier exception is not resolved",
      }),
    ),
  },
  { additionalProperties: false },
);

export const ShipmentParams = Type.Object({
  shipmentId: Type.String({ format: 'uuid', description: "The shipment's id" }),
});

export const LabelPdf = Type.Unsafe<Buffer>({
  type: 'string',
  format: 'binary',
  description: 'application/pdf: a 4x6 inch label',
});

export { Money };
