// The cart's tables as the ORM knows them (no `schema`: the ORM's setting applies). Every read and
// write goes through the hand-written SQL of carts.ts and read-models.ts (row locks, upserts that keep
// the newest version): the entities give the ORM the tables' shape, they are not loaded by the routes.
// (idempotency_key, created by the migrations, is @mercato/idempotency's.)
import { messagingEntities } from '@mercato/messaging';
import { defineEntity, p } from '@mikro-orm/core';

export const CartSchema = defineEntity({
  name: 'Cart',
  tableName: 'cart',
  properties: {
    id: p.uuid().primary(),
    /** a customer's cart; null for a guest's */
    userId: p.uuid().nullable().unique(),
    /** SHA-256 (hex) of a guest cart's token; null for a customer's */
    tokenHash: p.string().columnType('text').nullable().unique(),
    /** grows with every change of the lines and every price change of a product in them: the ETag */
    version: p.integer(),
    createdAt: p.datetime().columnType('timestamptz'),
    updatedAt: p.datetime().columnType('timestamptz'),
    /** a guest cart's end (GUEST_CART_TTL_HOURS after its last change) */
    expiresAt: p.datetime().columnType('timestamptz').nullable(),
  },
});

export const CartLineSchema = defineEntity({
  name: 'CartLine',
  tableName: 'cart_line',
  properties: {
    id: p.uuid().primary(),
    cartId: p.uuid(),
    productId: p.uuid(),
    name: p.string().columnType('text'),
    quantity: p.integer(),
    /** the price when the line was added: a later change is flagged price_changed */
    addedAmount: p.decimal('string').precision(16).scale(4),
    addedCurrency: p.string().columnType('char(3)'),
    addedAt: p.datetime().columnType('timestamptz'),
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
    version: p.integer(),
    updatedAt: p.datetime().columnType('timestamptz'),
  },
});

/** Read model of inventory's levels (stock.levels_changed). */
export const StockLevelSchema = defineEntity({
  name: 'StockLevel',
  tableName: 'stock_level',
  properties: {
    productId: p.uuid().primary(),
    available: p.integer(),
    availability: p.string().columnType('text'),
    version: p.bigint('number'),
    updatedAt: p.datetime().columnType('timestamptz'),
  },
});

export const entities = [CartSchema, CartLineSchema, ProductSchema, StockLevelSchema, ...messagingEntities];
