// One TypeBox schema per shape: it validates the request, types the handler and documents the route.
import { Page, PageQuery } from '@mercato/kit';
import { Type } from 'typebox';
import { MAX_PRICE, MIN_PRICE, PRICE_PATTERN, STORED_PRICE_PATTERN } from '../../domain/price.ts';
import { FACETS, PRICE_BANDS } from '../../domain/search.ts';
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

/** Matched words in <mark>, everything else HTML-escaped: safe to insert into a page as is. */
const Snippet = Type.String({ description: 'HTML: the product text escaped, matched words in <mark>' });

export const SearchHit = Type.Object({
  ...Product.properties,
  /**
   * relevance: 10 per word matched as typed (not corrected); plus 6 the title is the query, 5 every
   * word in the title, 4 in the author, 3 title and author, 2 the phrase, 1 elsewhere; plus 0.5 whole
   * words (no completed prefix); plus the full-text rank (below 0.5)
   */
  score: Type.Number({
    description:
      'relevance: +10 per word matched as typed (not corrected); +6 the title is the query, +5 all words in the title, +4 in the author, +3 in title and author, +2 the phrase, +1 elsewhere; +0.5 whole words (no completed prefix); + the full-text rank (< 0.5). Equal relevance: available first, then best-selling.',
  }),
  highlight: Type.Object(
    {
      name: Snippet,
      author: Type.Optional(Snippet),
      description: Type.String({
        description: 'HTML: up to two fragments of the description, escaped, matched words in <mark>',
      }),
    },
    { additionalProperties: false },
  ),
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

const PriceBand = Type.Enum(
  PRICE_BANDS.map((b) => b.id),
  { description: 'a price band of the price facet: from (inclusive) - to (exclusive), in the major unit' },
);
const AvailabilityValue = Type.Enum(['in_stock', 'low', 'out_of_stock']);

export const SearchQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 200 }),
    ...PageQuery.properties,
    ...Filters,
    author: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'the author facet: exact name' }),
    ),
    availability: Type.Optional(AvailabilityValue),
    priceBand: Type.Optional(PriceBand),
    facets: Type.Optional(
      Type.String({
        maxLength: 100,
        pattern: '^[A-Za-z, ]*$',
        examples: ['category,author,price,availability'],
        description: `facets to count over the matches, comma-separated: ${FACETS.join(', ')} (an unknown one is a 400)`,
      }),
    ),
  },
  { additionalProperties: false },
);

const FacetValue = Type.Object({
  value: Type.String(),
  label: Type.Optional(Type.String()),
  count: Type.Integer({ minimum: 0 }),
  selected: Type.Boolean(),
});

export const SearchPage = Type.Object({
  ...Page(SearchHit).properties,
  q: Type.String({ description: 'the query as searched (normalised)' }),
  facets: Type.Object(
    Object.fromEntries(FACETS.map((f) => [f, Type.Optional(Type.Array(FacetValue))])) as Record<
      (typeof FACETS)[number],
      ReturnType<typeof Type.Optional<ReturnType<typeof Type.Array<typeof FacetValue>>>>
    >,
    { description: 'the requested facets: values and how many matches each has (filters applied)' },
  ),
  selected: Type.Object(
    {
      category: Type.Optional(Type.String()),
      author: Type.Optional(Type.String()),
      priceBand: Type.Optional(Type.String()),
      availability: Type.Optional(Type.String()),
      minPrice: Type.Optional(Type.String()),
      maxPrice: Type.Optional(Type.String()),
    },
    { description: 'the filters in force' },
  ),
  didYouMean: Type.Optional(
    Type.Object({
      q: Type.String(),
      total: Type.Integer({ minimum: 0, description: 'how many products that spelling finds' }),
    }),
  ),
  ignored: Type.Optional(
    Type.Array(Type.String(), {
      description:
        'query words no product holds, even with a typo corrected, left out because the result was empty with them',
    }),
  ),
});

export const SuggestQuery = Type.Object(
  { q: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const Suggestions = Type.Object({
  q: Type.String(),
  suggestions: Type.Array(
    Type.Object({
      kind: Type.Enum(['title', 'author', 'category']),
      text: Type.String(),
      highlight: Type.String({ description: 'HTML: the text escaped, the typed words in <mark>' }),
      productId: Type.Optional(Type.String({ format: 'uuid', description: 'titles: the product' })),
      slug: Type.Optional(Type.String({ description: "categories: the category's slug" })),
    }),
    { maxItems: 10 },
  ),
});

export const ProductPage = Page(Product);
