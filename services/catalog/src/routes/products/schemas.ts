// One TypeBox schema per shape: it validates the request, types the handler and documents the route.
import { Page, PageQuery } from '@mercato/kit';
import { Type } from 'typebox';
import { MAX_PRICE, MIN_PRICE, PRICE_PATTERN, STORED_PRICE_PATTERN } from '../../domain/price.ts';
import { Slug } from '../categories/schemas.ts';

/**
 * A product's price: no sign, no exponent, at most two decimals ("12.50"; not 1e3, -1 or "12.345"),
 * from 0.01 to 999999.99 (a 0.00 product or a line total no service can store is refused: 400).
 */
const DecimalPrice = Type.String({
  pattern: PRICE_PATTERN,
  examples: ['12.50'],
  description: `A decimal from ${MIN_PRICE} to ${MAX_PRICE}, at most two decimals`,
});
/** A price filter: any price numeric(12,2) holds (older products may be priced outside the bounds). */
const PriceFilter = Type.String({ pattern: STORED_PRICE_PATTERN, examples: ['10.00'] });

export const Price = Type.Object(
  {
    amount: DecimalPrice,
    currency: Type.String({ pattern: '^[A-Z]{3}$', examples: ['EUR'] }),
  },
  { additionalProperties: false },
);

const AttributeValue = Type.Union([
  Type.String({ maxLength: 2000 }),
  Type.Number(),
  Type.Boolean(),
  Type.Null(),
]);

/**
 * Free-form details; books carry `author` and `isbn`, any product may carry `weightGrams` (its
 * shipping weight), all checked by the catalog's rules (422).
 */
export const Attributes = Type.Object(
  {
    author: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    isbn: Type.Optional(
      Type.String({ pattern: '^[0-9][0-9 -]{8,15}[0-9Xx]$', examples: ['978-0-261-10221-7'] }),
    ),
  },
  {
    additionalProperties: AttributeValue,
    maxProperties: 50,
    description:
      'Free-form details. Books need `author` and a valid `isbn`. `weightGrams`, when given, is the shipping weight: a whole number of grams from 1 to 1000000 (otherwise 422); without it shipping assumes 500 g.',
  },
);

const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const Description = Type.String({ maxLength: 10_000 });

/** POST and PUT: the whole product (PUT replaces; omitted optional fields take their defaults). */
export const ProductBody = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    category: Slug,
    price: Price,
    attributes: Type.Optional(Attributes),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** PATCH: any of the fields, at least one. */
export const ProductPatch = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    category: Type.Optional(Slug),
    price: Type.Optional(Price),
    attributes: Type.Optional(Attributes),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** From inventory's stock events (a read model here): never a call to inventory per read. */
export const ProductAvailability = Type.Object(
  {
    status: Type.Union([Type.Literal('in_stock'), Type.Literal('low'), Type.Literal('out_of_stock')], {
      description: '`out_of_stock` also for a product no stock was ever announced for',
    }),
    quantity: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'units available over every store; only where the shop shows it (SHOW_STOCK_QUANTITY)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const Product = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  description: Type.String(),
  category: Type.String(),
  price: Type.Object({ amount: Type.String(), currency: Type.String() }),
  attributes: Type.Record(Type.String(), AttributeValue),
  active: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  version: Type.Integer(),
  availability: ProductAvailability,
});

export const SearchHit = Type.Object({
  ...Product.properties,
  /** relevance: full-text rank plus the best trigram similarity of name or author */
  score: Type.Number(),
});

const Filters = {
  category: Type.Optional(Slug),
  minPrice: Type.Optional(PriceFilter),
  maxPrice: Type.Optional(PriceFilter),
  active: Type.Optional(Type.Boolean()),
};

export const ListQuery = Type.Object(
  {
    ...PageQuery.properties,
    ...Filters,
    sort: Type.Optional(Type.Enum(['name', 'price', 'createdAt'], { default: 'name' })),
    order: Type.Optional(Type.Enum(['asc', 'desc'], { default: 'asc' })),
  },
  { additionalProperties: false },
);

export const SearchQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 200 }),
    ...PageQuery.properties,
    ...Filters,
  },
  { additionalProperties: false },
);

export const ProductPage = Page(Product);
export const SearchPage = Page(SearchHit);
