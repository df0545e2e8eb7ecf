import { Money, Page, PageQuery } from '@mercato/kit';
import { type Static, Type } from 'typebox';
import { ORDER_STATUSES } from '../../domain/status.ts';

const Uuid = Type.String({ format: 'uuid' });
// One order line's quantity: bounded so a typo cannot reserve a warehouse or overflow a total.
const Quantity = Type.Integer({ minimum: 1, maximum: 10_000 });

export const OrderStatusSchema = Type.Enum(ORDER_STATUSES);

export const RequestedLineSchema = Type.Object(
  { productId: Uuid, quantity: Quantity },
  { additionalProperties: false },
);

/** A line of a new order; `unitPrice` is the price the client showed the customer, if it wants it held. */
export const PlacedLineSchema = Type.Object(
  {
    productId: Uuid,
    quantity: Quantity,
    unitPrice: Type.Optional(
      Type.Object(
        {
          amount: Type.String({ pattern: '^\\d{1,12}(\\.\\d{1,4})?$', examples: ['12.50'] }),
          currency: Type.String({ pattern: '^[A-Z]{3}$', examples: ['EUR'] }),
        },
        {
          additionalProperties: false,
          description:
            "The unit price the customer was shown (a cart's checkout sends it): when the price is now another, " +
            'the order is refused with 409 price-changed instead of being placed at a price nobody saw.',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

/** The shipping option a request names: a quote of the shipping service and one of its levels. */
export const ShippingChoiceSchema = Type.Object(
  {
    quoteId: Type.String({
      format: 'uuid',
      description:
        'A quote of the shipping service (POST /shippings/rates) for these lines and this address; ' +
        'unknown, expired or made for other lines, another country or currency: 422',
    }),
    level: Type.Union([Type.Literal('standard'), Type.Literal('express')], {
      description: 'One of the quote’s options; a level the quote does not offer: 422',
    }),
  },
  {
    additionalProperties: false,
    description:
      'The shipping option: its quoted price becomes the shipping line of the order, part of the total ' +
      '(honoured while the quote is valid, whatever the rates do meanwhile). 503 when shipping does not answer.',
  },
);

export const PlaceOrderBody = Type.Object(
  {
    lines: Type.Array(PlacedLineSchema, { minItems: 1, maxItems: 100 }),
    shippingAddressId: Type.String({
      format: 'uuid',
      description: "One of the caller's addresses (identity); another's or an unknown one is 422",
    }),
    paymentMethod: Type.Object(
      { type: Type.Literal('card'), token: Type.String({ minLength: 1, maxLength: 200 }) },
      { additionalProperties: false },
    ),
    shipping: Type.Optional(ShippingChoiceSchema),
  },
  { additionalProperties: false },
);
export type PlaceOrderBody = Static<typeof PlaceOrderBody>;

export const OrderLineView = Type.Object({
  id: Uuid,
  productId: Uuid,
  name: Type.String(),
  quantity: Type.Integer(),
  unitPrice: Money,
  lineTotal: Money,
});

export const PaymentFailureView = Type.Object(
  {
    failedAt: Type.String({
      format: 'date-time',
      description: 'The first declined payment of this revision; the retry window runs from here.',
    }),
    reason: Type.String({ description: "The latest decline's reason, e.g. card_declined." }),
    retryUntil: Type.String({
      format: 'date-time',
      description: 'Until then a PENDING order can be paid again (POST /payments); then it is cancelled.',
    }),
  },
  {
    description:
      "The order's payment failed: while the order is PENDING it awaits a new payment; a CANCELLED one " +
      '(payment_failed) was not paid in time. Absent once paid or when the lines change.',
  },
);
export type PaymentFailureView = Static<typeof PaymentFailureView>;

export const ShippingAddressView = Type.Object(
  {
    name: Type.Optional(Type.String({ description: 'The recipient, when the address names one' })),
    street: Type.String(),
    city: Type.String(),
    postalCode: Type.String(),
    country: Type.String({ description: 'ISO 3166-1 alpha-2' }),
  },
  {
    description:
      'The address as it was when the order was placed: editing or deleting it later changes nothing ' +
      'here. Absent on orders placed before orders kept it.',
  },
);

export const ShippingLineView = Type.Object(
  {
    quoteId: Uuid,
    level: Type.Union([Type.Literal('standard'), Type.Literal('express')]),
    price: Money,
  },
  { description: 'The shipping option chosen from a quote, at the quoted price (included in total)' },
);

export const OrderView = Type.Object({
  id: Uuid,
  userId: Uuid,
  status: OrderStatusSchema,
  revision: Type.Integer(),
  version: Type.Integer({ description: 'Also sent as the ETag; send it back as If-Match to update.' }),
  lines: Type.Array(OrderLineView),
  subtotal: Type.Object(Money.properties, { description: 'The lines alone (total less shipping)' }),
  shipping: Type.Union([ShippingLineView, Type.Null()], {
    description: 'The shipping line; null: the order was placed without a shipping option',
  }),
  total: Type.Object(Money.properties, { description: 'What is charged: the lines plus shipping' }),
  shippingAddressId: Uuid,
  shippingAddress: Type.Optional(
    Type.Union([ShippingAddressView, Type.Null()], {
      description:
        'The address as it was when the order was placed. null: erased with the customer’s account ' +
        '(the order keeps its lines and totals). Absent on orders placed before orders kept it.',
    }),
  ),
  paymentMethod: Type.Object({ type: Type.Literal('card') }, { description: 'The token is never returned.' }),
  cancelReason: Type.Optional(Type.String()),
  payment: Type.Optional(PaymentFailureView),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type OrderView = Static<typeof OrderView>;

export const OrderPage = Page(OrderView);

export const ListOrdersQuery = Type.Object(
  {
    ...PageQuery.properties,
    status: Type.Optional(OrderStatusSchema),
    userId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

export const HistoryParams = Type.Object({ userId: Uuid });
export const HistoryQuery = Type.Object({ ...PageQuery.properties }, { additionalProperties: false });

export const StatusView = Type.Object({
  orderId: Uuid,
  status: OrderStatusSchema,
  cancelReason: Type.Optional(Type.String()),
  payment: Type.Optional(PaymentFailureView),
  history: Type.Array(
    Type.Object({
      from: Type.Union([OrderStatusSchema, Type.Null()]),
      to: OrderStatusSchema,
      at: Type.String({ format: 'date-time' }),
      cause: Type.String(),
    }),
  ),
});
export type StatusView = Static<typeof StatusView>;

export const SetStatusBody = Type.Object({ status: OrderStatusSchema }, { additionalProperties: false });

const NewShipping = Type.Optional(
  Type.Object(ShippingChoiceSchema.properties, {
    additionalProperties: false,
    description:
      'A new shipping option, quoted for the lines after this change. Required when the order has a ' +
      'shipping line and its lines change (else 422 shipping-quote-mismatch); checked as at placement.',
  }),
);

export const AddItemBody = Type.Object(
  { ...RequestedLineSchema.properties, shipping: NewShipping },
  { additionalProperties: false },
);
export const UpdateItemBody = Type.Object(
  { quantity: Quantity, shipping: NewShipping },
  { additionalProperties: false },
);
/** A line's removal may carry a new shipping option; without a body, none. */
/**
 * DELETE takes no body (clients and proxies drop or refuse one): the new shipping option of an order
 * with a shipping line travels in the query, both parameters or neither.
 */
export const RemoveItemQuery = Type.Object(
  {
    shippingQuoteId: Type.Optional(
      Type.String({
        format: 'uuid',
        description:
          'With shippingLevel: a quote for the lines left (required when the order has a shipping line; ' +
          'checked as at placement)',
      }),
    ),
    shippingLevel: Type.Optional(ShippingChoiceSchema.properties.level),
  },
  { additionalProperties: false },
);
export const ItemParams = Type.Object({ id: Uuid, itemId: Uuid });
