// The rate table's shape, as PUT /shippings/rate-table takes it and data/rate-table.json holds it.
// What one schema cannot say (bands ascending, countries unique across zones, the catch-all zone)
// is checked by validateRateTable (rates.ts).
import { type Static, Type } from 'typebox';

/** The heaviest band a table may have (a pallet, not a parcel, is beyond it). */
export const MAX_BAND_WEIGHT_GRAMS = 10_000_000;

export const CountryCode = Type.String({
  pattern: '^[A-Z]{2}$',
  description: 'ISO 3166-1 alpha-2 country code, upper case',
  examples: ['DE'],
});

/** A rate: an exact decimal string with at most 2 decimals (what can be charged), never a float. */
export const RateAmount = Type.String({
  pattern: '^\\d{1,9}(\\.\\d{1,2})?$',
  description: 'Exact decimal amount in the table currency, at most 2 decimals',
  examples: ['4.99'],
});

export const EstimatedDays = Type.Object(
  {
    min: Type.Integer({ minimum: 0, maximum: 365, description: 'Fewest business days to delivery' }),
    max: Type.Integer({ minimum: 0, maximum: 365, description: 'Most business days to delivery' }),
  },
  { additionalProperties: false, description: 'Estimated delivery time in business days' },
);

export const WeightBand = Type.Object(
  {
    maxWeightGrams: Type.Integer({
      minimum: 1,
      maximum: MAX_BAND_WEIGHT_GRAMS,
      description: 'The band covers parcels up to this weight (inclusive), above the previous band',
    }),
    price: RateAmount,
  },
  { additionalProperties: false },
);

export const LevelRates = Type.Object(
  {
    estimatedDays: EstimatedDays,
    bands: Type.Array(WeightBand, {
      minItems: 1,
      maxItems: 50,
      description:
        'Ascending by maxWeightGrams; a parcel heavier than the last band is not offered this level',
    }),
  },
  { additionalProperties: false },
);

export const RateZone = Type.Object(
  {
    name: Type.String({
      pattern: '^[a-z][a-z0-9-]{0,39}$',
      description: "The zone's name; 'world' is the catch-all for every country no other zone lists",
      examples: ['domestic', 'eu', 'world'],
    }),
    countries: Type.Array(CountryCode, {
      maxItems: 300,
      description: "The zone's countries (unique across zones); empty for the catch-all 'world' zone",
    }),
    levels: Type.Object(
      { standard: LevelRates, express: LevelRates },
      { additionalProperties: false, description: 'Rates per service level; every zone has both' },
    ),
  },
  { additionalProperties: false },
);

export const RateTableBody = Type.Object(
  {
    currency: Type.String({
      pattern: '^[A-Z]{3}$',
      description: "The currency of every price in the table: the service's SHIPPING_CURRENCY",
      examples: ['EUR'],
    }),
    zones: Type.Array(RateZone, { minItems: 1, maxItems: 50 }),
  },
  { additionalProperties: false, description: 'Shipping rates by zone, service level and weight band' },
);

export type RateTable = Static<typeof RateTableBody>;
export type RateZone = Static<typeof RateZone>;
export type LevelRates = Static<typeof LevelRates>;
