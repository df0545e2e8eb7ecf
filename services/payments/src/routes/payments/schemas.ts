import { Money, Page, PageQuery } from '@mercato/kit';
import { type Static, Type } from 'typebox';

const Uuid = Type.String({ format: 'uuid' });
const Amount = Type.String({ pattern: '^\\d{1,12}(\\.\\d{1,4})?$', examples: ['12.50'] });

export const PaymentMethodBody = Type.Object(
  { type: Type.Literal('card'), token: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const PayBody = Type.Object(
  { orderId: Uuid, paymentMethod: PaymentMethodBody },
  { additionalProperties: false },
);
export type PayBody = Static<typeof PayBody>;

export const RefundBody = Type.Object(
  {
    /** Omitted: everything still refundable. */
    amount: Type.Optional(Amount),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type RefundBody = Static<typeof RefundBody>;

export const RefundView = Type.Object({
  id: Uuid,
  paymentId: Uuid,
  orderId: Uuid,
  amount: Money,
  reason: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  failureReason: Type.Optional(Type.String()),
  providerRef: Type.Optional(Type.String()),
  returnId: Type.Optional(
    Type.String({
      format: 'uuid',
      description:
        'The return whose lines this refund pays back (reason `returned`); absent for other refunds',
    }),
  ),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type RefundView = Static<typeof RefundView>;

export const PaymentView = Type.Object({
  id: Uuid,
  orderId: Uuid,
  userId: Uuid,
  revision: Type.Integer(),
  attempt: Type.Integer(),
  amount: Money,
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  failureReason: Type.Optional(Type.String()),
  providerRef: Type.Optional(Type.String()),
  /** Refunded or being refunded. */
  refunded: Money,
  refundable: Type.Object(
    { ...Money.properties },
    {
      description:
        'What can still be refunded: the captured amount minus `refunded` (returns included); 0 when not captured',
    },
  ),
  refunds: Type.Array(RefundView),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type PaymentView = Static<typeof PaymentView>;

export const PaymentPage = Page(PaymentView);

export const ListPaymentsQuery = Type.Object(
  {
    ...PageQuery.properties,
    orderId: Type.Optional(Uuid),
    status: Type.Optional(
      Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
    ),
  },
  { additionalProperties: false },
);
