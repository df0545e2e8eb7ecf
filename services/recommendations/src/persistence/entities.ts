// The tables as the ORM knows them (no `schema`: the ORM's setting applies). Every read and write goes
// through the hand-written SQL of this folder (upserts, one statement per basket): the entities give
// the ORM the tables' shape, they are not loaded.
import { messagingEntities } from '@mercato/messaging';
import { defineEntity, p } from '@mikro-orm/core';

export const ProductSchema = defineEntity({
  name: 'Product',
  tableName: 'product',
  properties: {
    productId: p.uuid().primary(),
    /** catalog has announced it (until then it is never recommended) */
    known: p.boolean(),
    name: p.string().columnType('text'),
    category: p.string().columnType('text').nullable(),
    amount: p.decimal('string').precision(16).scale(4).nullable(),
    currency: p.string().columnType('char(3)').nullable(),
    active: p.boolean(),
    deleted: p.boolean(),
    version: p.integer(),
    outOfStock: p.boolean(),
    stockVersion: p.bigint('number'),
    /** confirmed orders holding it, net of cancellations and full returns */
    orders: p.integer(),
    boughtWeight: p.decimal('string'),
    popularWeight: p.decimal('string'),
    viewedWeight: p.decimal('string'),
    recommendable: p.boolean().persist(false),
    /** the transaction that last changed anything an answer could say about it (the read cache's feed) */
    changedXid: p.string().columnType('xid8').persist(false),
  },
});

export const CoPurchaseSchema = defineEntity({
  name: 'CoPurchase',
  tableName: 'co_purchase',
  properties: {
    productId: p.uuid().primary(),
    otherId: p.uuid().primary(),
    orders: p.integer(),
    weight: p.decimal('string'),
  },
});

export const CoViewSchema = defineEntity({
  name: 'CoView',
  tableName: 'co_view',
  properties: {
    productId: p.uuid().primary(),
    otherId: p.uuid().primary(),
    sessions: p.integer(),
    weight: p.decimal('string'),
  },
});

export const PurchaseSchema = defineEntity({
  name: 'Purchase',
  tableName: 'purchase',
  properties: {
    orderId: p.uuid().primary(),
    userId: p.uuid().nullable(),
    state: p.string().columnType('text'),
    at: p.datetime().columnType('timestamptz'),
    weight: p.decimal('string'),
    popularWeight: p.decimal('string'),
  },
});

export const PurchaseItemSchema = defineEntity({
  name: 'PurchaseItem',
  tableName: 'purchase_item',
  properties: {
    orderId: p.uuid().primary(),
    productId: p.uuid().primary(),
    quantity: p.integer(),
    returned: p.integer(),
  },
});

export const AppliedReturnSchema = defineEntity({
  name: 'AppliedReturn',
  tableName: 'applied_return',
  properties: {
    returnId: p.uuid().primary(),
    at: p.datetime().columnType('timestamptz'),
  },
});

export const RecentViewSchema = defineEntity({
  name: 'RecentView',
  tableName: 'recent_view',
  properties: {
    userId: p.uuid().primary(),
    productId: p.uuid().primary(),
    at: p.datetime().columnType('timestamptz'),
  },
});

export const entities = [
  ProductSchema,
  CoPurchaseSchema,
  CoViewSchema,
  PurchaseSchema,
  PurchaseItemSchema,
  AppliedReturnSchema,
  RecentViewSchema,
  ...messagingEntities,
];
