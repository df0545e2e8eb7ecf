import { Money, Page, PageQuery } from '@mercato/kit';
import { type Static, Type } from 'typebox';
import { AddressView, described } from '../invoices/schemas.ts';

const Uuid = Type.String({ format: 'uuid' });

export const CreditNoteView = Type.Object(
  {
    id: Uuid,
    number: Type.String({
      description: "In the credit notes' own gapless series per year: 'CN-2026-000001'",
    }),
    year: Type.Integer(),
    sequence: Type.Integer({ minimum: 1, description: 'The gapless number within the year' }),
    orderId: Uuid,
    userId: Uuid,
    returnId: Type.String({ format: 'uuid', description: 'The return (shipping) whose lines it credits' }),
    invoiceId: Type.Optional(
      Type.String({
        format: 'uuid',
        description:
          'The invoice it corrects; absent while the order’s invoice is not issued (issuing it fills this in)',
      }),
    ),
    invoiceNumber: Type.Optional(Type.String({ description: "The invoice's number, with invoiceId" })),
    lines: Type.Array(
      Type.Object({
        productId: Uuid,
        productName: Type.Optional(Type.String({ description: 'The name as ordered' })),
        quantity: Type.Integer({ minimum: 1, description: 'Units returned' }),
        amount: described(Money, 'What was paid for these units, credited'),
      }),
    ),
    total: described(Money, 'The amount credited (refunded): the sum of the lines'),
    billingAddress: Type.Optional(AddressView),
    billingAddressId: Type.Optional(Uuid),
    issuedAt: Type.String({ format: 'date-time' }),
  },
  { description: 'A credit note: returned lines of an order credited to the customer' },
);
export type CreditNoteView = Static<typeof CreditNoteView>;

export const CreditNotePage = Page(CreditNoteView);

export const ListCreditNotesQuery = Type.Object(
  {
    ...PageQuery.properties,
    orderId: Type.Optional(
      Type.String({ format: 'uuid', description: 'Only the credit notes of this order' }),
    ),
  },
  { additionalProperties: false },
);
