import { Money, OPAQUE_TOKEN_PATTERN, Page, PageQuery } from '@mercato/kit';
import { type Static, Type } from 'typebox';

const Uuid = Type.String({ format: 'uuid' });

export const AddressView = Type.Object({
  name: Type.Optional(Type.String()),
  street: Type.String(),
  city: Type.String(),
  postalCode: Type.String(),
  country: Type.String(),
});

/** Money with a description of what the amount is (in the OpenAPI document). */
export const described = (money: typeof Money, description: string) =>
  Type.Object(money.properties, { description });

/** The order's shipping line: not one of `lines` (those are products). */
export const ShippingLineView = Type.Object(
  {
    level: Type.Union([Type.Literal('standard'), Type.Literal('express')], {
      description: 'The service level chosen',
    }),
    quoteId: Type.String({ format: 'uuid', description: 'The shipping quote the price was taken from' }),
    price: Money,
  },
  { description: 'The shipping line of the order (absent when it has none); its price is in `total`' },
);

export const InvoiceView = Type.Object({
  id: Uuid,
  /** '2026-000042' */
  number: Type.String(),
  year: Type.Integer(),
  sequence: Type.Integer({ minimum: 1 }),
  orderId: Uuid,
  userId: Uuid,
  paymentId: Uuid,
  lines: Type.Array(
    Type.Object({
      productId: Uuid,
      productName: Type.Optional(Type.String()),
      quantity: Type.Integer({ minimum: 1 }),
      unitPrice: Money,
      lineTotal: Money,
    }),
  ),
  subtotal: described(Money, 'The sum of the lines'),
  shipping: Type.Optional(ShippingLineView),
  total: described(Money, 'What the order was charged: subtotal + shipping, exactly'),
  billingAddress: Type.Optional(AddressView),
  billingAddressId: Uuid,
  issuedAt: Type.String({ format: 'date-time' }),
});
export type InvoiceView = Static<typeof InvoiceView>;

export const InvoicePage = Page(InvoiceView);

export const ListInvoicesQuery = Type.Object(
  {
    ...PageQuery.properties,
    orderId: Type.Optional(Uuid),
    year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 9999 })),
  },
  { additionalProperties: false },
);

export const IssueBody = Type.Object({ orderId: Uuid }, { additionalProperties: false });

export const PdfQuery = Type.Object(
  {
    token: Type.Optional(
      Type.String({
        pattern: OPAQUE_TOKEN_PATTERN,
        description:
          'The invoice’s download token (invoice.issued `downloadToken`, the link of the invoice e-mail): ' +
          'opens the PDF without a login. A malformed one is 400, a wrong one 404.',
      }),
    ),
  },
  { additionalProperties: false },
);
