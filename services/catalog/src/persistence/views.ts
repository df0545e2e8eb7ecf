// What the catalog's reads return and its cache holds: the response bodies, built once from a row
// (an entity, or a raw row of the list and search queries) so a cached answer needs no mapping.
import { normalizePrice } from '../domain/price.ts';
import type { ProductAttributes } from '../domain/product-rules.ts';
import type { Category, Product } from './entities.ts';

export interface ProductView {
  id: string;
  name: string;
  description: string;
  category: string;
  price: { amount: string; currency: string };
  attributes: ProductAttributes;
  active: boolean;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface CategoryView {
  id: string;
  slug: string;
  name: string;
  createdAt: string;
}

export interface PageResult<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

export function productView(product: Product): ProductView {
  return {
    id: product.id,
    name: product.name,
    description: product.description,
    category: product.category,
    price: { amount: normalizePrice(product.price), currency: product.currency },
    attributes: product.attributes,
    active: product.active,
    createdAt: product.createdAt.toISOString(),
    updatedAt: product.updatedAt.toISOString(),
    version: product.version,
  };
}

/** A row of `select ${PRODUCT_COLUMNS} from product p` (snake_case, numeric price as text). */
export function rowView(row: Record<string, any>): ProductView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    category: row.category,
    price: { amount: normalizePrice(String(row.price)), currency: row.currency },
    attributes: row.attributes,
    active: row.active,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    version: row.version,
  };
}

export function categoryView(category: Category): CategoryView {
  return {
    id: category.id,
    slug: category.slug,
    name: category.name,
    createdAt: category.createdAt.toISOString(),
  };
}
