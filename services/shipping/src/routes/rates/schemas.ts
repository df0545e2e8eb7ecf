import { Money } from '@mercato/kit';
import { type Static, Type } from 'typebox';
import {
  CountryCode,
  EstimatedDays,
  MAX_BAND_WEIGHT_GRAMS,
  RateTableBody,
} from '../../domain/rates-schema.ts';

const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
/** Money with a description of its own (the shared schema object stays untouched). */
const DescribedMoney = (description: string) => Type.Object({ ...Money.properties }, { description });
const Level = Type.Union([Type.Literal('standard'), Type.Literal('express')], {
  description: 'The service level: standard, or express (faster, never free)',
});

export const Destination = Type.Object(
  {
    country: CountryCode,
    postalCode: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9 -]{0,15}$',
        description: 'Kept with the quote; rates go by country only',
        examples: ['10115'],
      }),
    ),
  },
  { additionalProperties: false, description: 'Where the parcel goes' },
);

export const QuoteLineBody = Type.Object(
  {
    productId: Uuid,
    quantity: Type.Integer({ minimum: 1, maximum: 10_000, description: 'Units, as on an order line' }),
  },
  { additionalProperties: false },
);

export const RatesBody = Type.Object(
  {
    destination: Destination,
    lines: Type.Array(QuoteLineBody, {
      minItems: 1,
      maxItems: 100,
      description: 'What is shipped, as the order will have it; one product on several lines is merged',
    }),
  },
  { additionalProperties: false },
);
export type RatesBody = Static<typeof RatesBody>;

export const QuoteOption = Type.Object({
  level: Level,
  price: DescribedMoney('The price of this level, honoured until the quote expires (0.00: free shipping)'),
  estimatedDays: EstimatedDays,
});

export const QuoteView = Type.Object(
  {
    quoteId: Type.String({ format: 'uuid', description: 'Send it with the chosen level to POST /orders' }),
    destination: Destination,
    lines: Type.Array(
      Type.Object({ productId: Uuid, quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }) }),
      { description: 'The lines quoted, one per product' },
    ),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'The currency of every price' }),
    subtotal: DescribedMoney("The lines' worth at current prices; the free-shipping threshold is held to it"),
    weightGrams: Type.Integer({
      minimum: 1,
      maximum: MAX_BAND_WEIGHT_GRAMS,
      description: "The parcel's weight: each product's weightGrams (or the default weight) × quantity",
    }),
    zone: Type.String({ description: 'The rate table zone of the destination' }),
    rateTableVersion: Type.Integer({
      minimum: 1,
      description: 'The rate table version the prices came from',
    }),
    options: Type.Array(QuoteOption, {
      minItems: 1,
      description: 'Every level the parcel can go at, standard first; a level its weight exceeds is left out',
    }),
    createdAt: DateTime,
    expiresAt: Type.String({
      format: 'date-time',
      description: 'Until then POST /orders charges these prices, whatever the rate table says by then',
    }),
  },
  { description: 'A shipping quote' },
);
export type QuoteView = Static<typeof QuoteView>;

export const QuoteParams = Type.Object({ quoteId: Type.String({ format: 'uuid' }) });

export { RateTableBody };

export const RateTableView = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'Also the ETag; send it as If-Match with PUT' }),
    ...RateTableBody.properties,
    createdAt: Type.String({ format: 'date-time', description: 'When this version came into force' }),
  },
  { description: 'The rate table in force' },
);
export type RateTableView = Static<typeof RateTableView>;
