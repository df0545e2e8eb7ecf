import { Money } from '@mercato/kit';
import { type Static, Type } from 'typebox';
import { TOKEN_PATTERN } from '../../domain/token.ts';

const Uuid = Type.String({ format: 'uuid' });
// One line's quantity, bounded like an order line's (the configured CART_MAX_LINE_QUANTITY may be lower: 422).
const Quantity = Type.Integer({ minimum: 1, maximum: 10_000 });
const CartToken = Type.String({
  pattern: TOKEN_PATTERN,
  description: 'A guest cart token as POST /carts returned it (43 characters, base64url)',
});

/** Who may call /carts/me*: a customer's Bearer token, or a guest cart's token. */
export const customerOrGuest: { [scheme: string]: string[] }[] = [{ bearerAuth: [] }, { cartToken: [] }];

export const LineFlag = Type.Union(
  [
    Type.Literal('inactive'),
    Type.Literal('price_changed'),
    Type.Literal('short_of_stock'),
    Type.Literal('currency_mismatch'),
  ],
  {
    description:
      'inactive: the product is no longer for sale (deactivated or deleted); price_changed: the price is not ' +
      'the one when added (see changes.price); short_of_stock: more than available (see available); ' +
      "currency_mismatch: priced in another currency than the cart's.",
  },
);

export const CartLineView = Type.Object({
  id: Uuid,
  productId: Uuid,
  name: Type.String(),
  quantity: Type.Integer({ minimum: 1 }),
  unitPrice: Money,
  addedUnitPrice: Money,
  lineTotal: Money,
  availability: Type.Optional(
    Type.Union([Type.Literal('in_stock'), Type.Literal('low'), Type.Literal('out_of_stock')], {
      description:
        'Absent while inventory has not reported the product (unknown availability is not flagged)',
    }),
  ),
  available: Type.Optional(Type.Integer({ minimum: 0 })),
  flags: Type.Array(LineFlag),
  changes: Type.Object({
    price: Type.Optional(Type.Object({ from: Money, to: Money })),
  }),
  counted: Type.Boolean({
    description: 'Counted in the total: not inactive, short of stock or in another currency',
  }),
  addedAt: Type.String({ format: 'date-time' }),
});

export const CartView = Type.Object({
  id: Uuid,
  userId: Type.Union([Uuid, Type.Null()], { description: 'null for a guest cart' }),
  version: Type.Integer({
    description:
      'Also sent as the ETag; send it as If-Match, or as cartVersion at checkout to confirm prices',
  }),
  lines: Type.Array(CartLineView),
  total: Type.Object(
    { ...Money.properties },
    {
      description: "The sum of the counted lines at current prices, in the cart currency (its first line's)",
    },
  ),
  itemCount: Type.Integer({ minimum: 0, description: 'Units over every line' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.Optional(
    Type.String({ format: 'date-time', description: 'A guest cart is forgotten then' }),
  ),
});
export type CartView = Static<typeof CartView>;

export const GuestCartCreated = Type.Object({
  token: Type.String({ description: 'Send it as X-Cart-Token; it is shown only this once' }),
  cart: CartView,
});
export const OwnCart = Type.Object({ cart: CartView });

export const UserParams = Type.Object({ userId: Uuid });
export const ItemParams = Type.Object({ itemId: Uuid });

export const AddItemBody = Type.Object(
  { productId: Uuid, quantity: Quantity },
  { additionalProperties: false },
);
export const UpdateItemBody = Type.Object({ quantity: Quantity }, { additionalProperties: false });
export const MergeBody = Type.Object({ token: CartToken }, { additionalProperties: false });

export const CheckoutBody = Type.Object(
  {
    shippingAddressId: Uuid,
    paymentMethod: Type.Object(
      { type: Type.Literal('card'), token: Type.String({ minLength: 1, maxLength: 200 }) },
      { additionalProperties: false },
    ),
    cartVersion: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'The version of the cart the client showed: confirms changed prices (else 409)',
      }),
    ),
    shipping: Type.Optional(
      Type.Object(
        {
          quoteId: Type.String({
            format: 'uuid',
            description:
              'A quote of the shipping service (POST /shippings/rates) for these lines and address',
          }),
          level: Type.Union([Type.Literal('standard'), Type.Literal('express')], {
            description: 'One of the quote’s options',
          }),
        },
        {
          additionalProperties: false,
          description:
            "The shipping option, passed to orders as it is: its quoted price becomes the order's shipping " +
            'line (part of the total). Orders checks it: 422 shipping-quote-unknown / -expired / ' +
            'shipping-level-unavailable / shipping-quote-mismatch passed through, cart untouched.',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

/** Required here: a checkout places an order; its key is passed on to orders as `checkout:<key>`. */
export const CheckoutHeaders = Type.Object({
  'idempotency-key': Type.String({ minLength: 1, maxLength: 191 }),
});

export const PlacedOrder = Type.Object(
  { id: Uuid, status: Type.String(), total: Money },
  {
    additionalProperties: true,
    description: 'The order as the orders service answered it (GET /orders/{id})',
  },
);
export const CheckoutAnswer = Type.Object({ order: PlacedOrder, cart: CartView });
