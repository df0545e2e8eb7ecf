import { Type } from 'typebox';

const Address = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200, description: 'Person or business' }),
  lines: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
    minItems: 1,
    maxItems: 6,
    description: 'Street, then postal code and city, as printed',
  }),
  country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' }),
});

export const ParcelBody = Type.Object({
  reference: Type.String({ minLength: 1, maxLength: 200, description: "The shipper's id of the parcel" }),
  kind: Type.Union([Type.Literal('outbound'), Type.Literal('return')]),
  level: Type.Union([Type.Literal('standard'), Type.Literal('express')]),
  from: Address,
  to: Type.Object(Address.properties, {
    description: `Country 'XX' is refused with 422 unsupported_destination (a test hook)`,
  }),
  weightGrams: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
});

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.String({
    minLength: 1,
    maxLength: 255,
    description: 'The same key books once: a retry gets the first parcel (200) instead of a new one',
  }),
});

export const TrackingNumberParams = Type.Object({
  trackingNumber: Type.String({ minLength: 1, maxLength: 100 }),
});

export const EventBody = Type.Object({
  status: Type.Union(
    [
      Type.Literal('picked_up'),
      Type.Literal('in_transit'),
      Type.Literal('out_for_delivery'),
      Type.Literal('delivered'),
      Type.Literal('exception'),
    ],
    { description: 'What happened to the parcel' },
  ),
  occurredAt: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'When it happened (default now): set it to test late events',
    }),
  ),
  code: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: "exception: the carrier's code" }),
  ),
  description: Type.Optional(Type.String({ maxLength: 1000 })),
  location: Type.Optional(Type.String({ maxLength: 200 })),
});
