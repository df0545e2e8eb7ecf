// The catalog's tables. No schema here: @mercato/db binds them to `catalog` (or a test schema).
// product.search_vector (generated tsvector) is not mapped: only the search query reads it.
import { messagingEntities } from '@mercato/messaging';
import { defineEntity, p } from '@mikro-orm/core';
import type { ProductAttributes } from '../domain/product-rules.ts';

export const CategorySchema = defineEntity({
  name: 'Category',
  tableName: 'category',
  properties: {
    id: p.string().primary().columnType('uuid'),
    /** what products and URLs refer to: 'books' */
    slug: p.string().columnType('text').unique(),
    name: p.string().columnType('text'),
    createdAt: p.datetime().columnType('timestamptz'),
  },
});
export class Category extends CategorySchema.class {}
CategorySchema.setClass(Category);

export const ProductSchema = defineEntity({
  name: 'Product',
  tableName: 'product',
  properties: {
    id: p.string().primary().columnType('uuid'),
    name: p.string().columnType('text'),
    description: p.string().columnType('text'),
    /** the category's slug (foreign key to category.slug) */
    category: p.string().columnType('text'),
    price: p.decimal('string').precision(12).scale(2),
    currency: p.string().columnType('char(3)'),
    attributes: p.json<ProductAttributes>(),
    active: p.boolean(),
    createdAt: p.datetime().columnType('timestamptz'),
    updatedAt: p.datetime().columnType('timestamptz'),
    version: p.integer().version(),
  },
});
export class Product extends ProductSchema.class {}
ProductSchema.setClass(Product);

export const entities = [CategorySchema, ProductSchema, ...messagingEntities];
