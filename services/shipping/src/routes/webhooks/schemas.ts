import { type Static, Type } from 'typebox';

/** Ids and codes: printable ASCII, no spaces. */
const PRINTABLE = '^[\\x21-\\x7e]+$';
/** Free text: anything but NUL, which a PostgreSQL text column cannot hold. */
const NO_NUL = '^[^\\u0000]*$';

export const CarrierWebhookBody = Type.Object(
  {
    eventId: Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: PRINTABLE,
      description: "The carrier's id of the event",
    }),
    trackingNumber: Type.String({ minLength: 1, maxLength: 100, pattern: PRINTABLE }),
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
    occurredAt: Type.String({ format: 'date-time', description: 'When it happened at the carrier' }),
    code: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        pattern: PRINTABLE,
        description: "exception: the carrier's code",
      }),
    ),
    description: Type.Optional(Type.String({ maxLength: 1000, pattern: NO_NUL })),
    location: Type.Optional(Type.String({ maxLength: 200, pattern: NO_NUL })),
  },
  {
    description:
      'One tracking event, signed: header Carrier-Signature `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`',
  },
);
export type CarrierWebhookBody = Static<typeof CarrierWebhookBody>;

export const CarrierWebhookHeaders = Type.Object({
  'carrier-signature': Type.Optional(
    Type.String({
      maxLength: 1000,
      pattern: '^[\\x20-\\x7e]*$',
      description: 't=<unix seconds>,v1=<hex HMAC-SHA256>',
    }),
  ),
});

export const WebhookAnswer = Type.Object({
  accepted: Type.Literal(true),
  duplicate: Type.Boolean({ description: 'true: this eventId was received before; nothing changed' }),
});
