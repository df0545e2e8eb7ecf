import { idempotencyKeyHeader, Money, Page, PageQuery } from '@mercato/kit';
import { type Static, Type } from 'typebox';
import { ExceptionView, LabelAddressView, TrackingEventView } from '../shipments/schemas.ts';

const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });

export const ReturnBody = Type.Object(
  {
    orderId: Type.String({ format: 'uuid', description: 'A delivered order of yours' }),
    lines: Type.Array(
      Type.Object(
        {
          productId: Uuid,
          quantity: Type.Integer({ minimum: 1, maximum: 10_000 }),
        },
        { additionalProperties: false },
      ),
      {
        minItems: 1,
        maxItems: 100,
        description: 'What goes back; a product named twice is one line with the quantities added',
      },
    ),
  },
  { additionalProperties: false },
);
export type ReturnBody = Static<typeof ReturnBody>;

export const ReturnHeaders = idempotencyKeyHeader;

export const ReturnStatus = Type.Union(
  [
    Type.Literal('booking'),
    Type.Literal('booking_failed'),
    Type.Literal('label_created'),
    Type.Literal('picked_up'),
    Type.Literal('in_transit'),
    Type.Literal('out_for_delivery'),
    Type.Literal('received'),
  ],
  { description: 'received: the store has the parcel; the stock is back and the lines are refunded' },
);

export const ReturnedLineView = Type.Object({
  productId: Uuid,
  quantity: Type.Integer({ minimum: 1 }),
  amount: Type.Object(Money.properties, { description: 'What was paid for these units: the refund' }),
});

export const ReturnView = Type.Object({
  id: Uuid,
  orderId: Uuid,
  userId: Uuid,
  storeId: Type.String({ format: 'uuid', description: 'The store the parcel goes back to' }),
  status: ReturnStatus,
  lines: Type.Array(ReturnedLineView),
  refund: Type.Object(Money.properties, { description: 'The sum of the lines, refunded once received' }),
  carrier: Type.Optional(Type.String()),
  trackingNumber: Type.Optional(Type.String({ description: 'Set once the carrier booked the return' })),
  labelUrl: Type.String({ description: 'The PDF return label (409 label-not-ready until it is booked)' }),
  from: LabelAddressView,
  to: LabelAddressView,
  weightGrams: Type.Integer({ minimum: 1 }),
  bookingError: Type.Optional(Type.String()),
  exception: Type.Optional(ExceptionView),
  receivedAt: Type.Optional(DateTime),
  createdAt: DateTime,
  updatedAt: DateTime,
  tracking: Type.Optional(
    Type.Array(TrackingEventView, { description: 'The tracking history (one return)' }),
  ),
});
export type ReturnView = Static<typeof ReturnView>;

export const ReturnPage = Page(ReturnView);

export const ListReturnsQuery = Type.Object(
  {
    ...PageQuery.properties,
    orderId: Type.Optional(Type.String({ format: 'uuid', description: "The order's returns" })),
  },
  { additionalProperties: false },
);

export const ReturnParams = Type.Object({
  returnId: Type.String({ format: 'uuid', description: "The return's id" }),
});
