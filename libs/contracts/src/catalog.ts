import { type Static, Type } from 'typebox';
import { Money, Uuid } from './common.ts';

/** Carries what other services keep of a product (orders' price read model, search, stock names). */
export const ProductSnapshot = Type.Object({
  productId: Uuid,
  name: Type.String(),
  price: Money,
  active: Type.Boolean(),
  category: Type.Optional(Type.String()),
  /**
   * The product's shipping weight in grams, from its `weightGrams` attribute; absent when the
   * product has none (shipping then uses its documented default weight).
   */
  weightGrams: Type.Optional(Type.Integer({ minimum: 1 })),
  /** The product row's version: a consumer ignores a snapshot older than the one it holds. */
  version: Type.Integer({ minimum: 1 }),
});
export const ProductDeleted = Type.Object({ productId: Uuid, version: Type.Integer({ minimum: 1 }) });

export type ProductSnapshot = Static<typeof ProductSnapshot>;
export type ProductDeleted = Static<typeof ProductDeleted>;

export const catalogContracts = {
  'product.created': { 1: ProductSnapshot },
  'product.updated': { 1: ProductSnapshot },
  'product.deleted': { 1: ProductDeleted },
};
