// The rates tables as the ORM knows them (no `schema`: the ORM's setting applies). Every read and
// write goes through the hand-written SQL of rates.ts, products.ts and quotes.ts (version-guarded
// upserts, an advisory lock around a table change): the entities give the ORM the tables' shape.
import { defineEntity, p } from '@mikro-orm/core';

/** Every version of the rate table; the newest is in force. */
export const RateTableSchema = defineEntity({
  name: 'RateTable',
  tableName: 'rate_table',
  properties: {
    version: p.integer().primary(),
    currency: p.string().columnType('char(3)'),
    /** the zones with their levels and weight bands (domain/rates-schema.ts) */
    zones: p.json(),
    createdAt: p.datetime().columnType('timestamptz'),
    /** the admin who put it; null for the seeded first version */
    createdBy: p.uuid().nullable(),
  },
});

/** Read model of catalog products; a deleted one stays as a tombstone. */
export const ProductSchema = defineEntity({
  name: 'Product',
  tableName: 'product',
  properties: {
    productId: p.uuid().primary(),
    name: p.string().columnType('text'),
    amount: p.decimal('string').precision(16).scale(4),
    currency: p.string().columnType('char(3)'),
    active: p.boolean(),
    deleted: p.boolean(),
    /** null: the product has no weightGrams attribute (DEFAULT_WEIGHT_GRAMS applies) */
    weightGrams: p.bigint('number').nullable(),
    version: p.integer(),
    updatedAt: p.datetime().columnType('timestamptz'),
  },
});

/** A quote with the options it offered, honoured until expiresAt. */
export const QuoteSchema = defineEntity({
  name: 'Quote',
  tableName: 'quote',
  properties: {
    id: p.uuid().primary(),
    rateTableVersion: p.integer(),
    country: p.string().columnType('char(2)'),
    postalCode: p.string().columnType('text').nullable(),
    currency: p.string().columnType('char(3)'),
    subtotal: p.decimal('string').precision(16).scale(4),
    weightGrams: p.bigint('number'),
    zone: p.string().columnType('text'),
    /** the merged lines [{productId, quantity}] */
    lines: p.json(),
    /** [{level, price, estimatedDays}] */
    options: p.json(),
    createdAt: p.datetime().columnType('timestamptz'),
    expiresAt: p.datetime().columnType('timestamptz'),
  },
});

export const rateEntities = [RateTableSchema, ProductSchema, QuoteSchema];
