// app.catalog: the catalog's use cases, bound to the service's ORM and product cache.
import fp from 'fastify-plugin';
import type { SearchLanguage } from '../domain/search.ts';
import { createCategory, listCategories } from '../use-cases/categories.ts';
import type { CatalogDeps } from '../use-cases/common.ts';
import { createProduct } from '../use-cases/create-product.ts';
import { deleteProduct } from '../use-cases/delete-product.ts';
import { getProduct } from '../use-cases/get-product.ts';
import { listProducts } from '../use-cases/list-products.ts';
import { searchProducts, suggestProducts } from '../use-cases/search-products.ts';
import { updateProduct } from '../use-cases/update-product.ts';

/** `useCase(deps, ...args)` as `(...args)`: what routes call. */
const bind =
  <A extends unknown[], R>(deps: CatalogDeps, useCase: (deps: CatalogDeps, ...args: A) => R) =>
  (...args: A): R =>
    useCase(deps, ...args);

function catalogUseCases(deps: CatalogDeps) {
  return {
    listCategories: bind(deps, listCategories),
    createCategory: bind(deps, createCategory),
    getProduct: bind(deps, getProduct),
    listProducts: bind(deps, listProducts),
    searchProducts: bind(deps, searchProducts),
    suggestProducts: bind(deps, suggestProducts),
    createProduct: bind(deps, createProduct),
    updateProduct: bind(deps, updateProduct),
    deleteProduct: bind(deps, deleteProduct),
  };
}

export type Catalog = ReturnType<typeof catalogUseCases>;

declare module 'fastify' {
  interface FastifyInstance {
    catalog: Catalog;
  }
}

export default fp<{ showStockQuantity: boolean; searchLanguage: SearchLanguage }>(
  async (app, { showStockQuantity, searchLanguage }) => {
    app.decorate(
      'catalog',
      catalogUseCases({ orm: app.orm, cache: app.productCache, showStockQuantity, searchLanguage }),
    );
  },
  { name: 'catalog', dependencies: ['product-cache'] },
);
