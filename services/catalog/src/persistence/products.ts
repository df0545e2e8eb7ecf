// The product table: the write path through the ORM (optimistic version, row locks), and the list
// query in SQL (search is persistence/search.ts).
import type { EntityManager } from '@mercato/db';
import { problems } from '@mercato/kit';
import {
  ForeignKeyConstraintViolationException,
  LockMode,
  OptimisticLockError,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { uuidv7 } from 'uuidv7';
import { normalizePrice } from '../domain/price.ts';
import type { ProductInput } from '../domain/product-rules.ts';
import { Product } from './entities.ts';
import { type PageResult, type ProductView, rowView } from './views.ts';

export interface ProductFilters {
  category?: string;
  minPrice?: string;
  maxPrice?: string;
  active?: boolean;
}

export type SortField = 'name' | 'price' | 'createdAt';
export type SortOrder = 'asc' | 'desc';

export interface ListQuery {
  filters: ProductFilters;
  sort: SortField;
  order: SortOrder;
  page: number;
  pageSize: number;
}

const SORT_COLUMNS: Record<SortField, string> = {
  name: 'lower(p.name)',
  price: 'p.price',
  createdAt: 'p.created_at',
};
const COLUMNS =
  'p.id, p.name, p.description, p.category, p.price, p.currency, p.attributes, p.active, p.created_at, p.updated_at, p.version';

// ---- writes

/** Inserts the product now (version 1), so its event can carry what was stored. */
export async function insertProduct(em: EntityManager, input: ProductInput): Promise<Product> {
  const now = new Date();
  const product = em.create(Product, {
    id: uuidv7(),
    name: input.name,
    description: input.description,
    category: input.category,
    price: normalizePrice(input.price.amount),
    currency: input.price.currency,
    attributes: input.attributes,
    active: input.active,
    createdAt: now,
    updatedAt: now,
    version: 1,
  });
  await em.flush();
  return product;
}

/** The product, locked until the transaction ends (a concurrent write waits, then sees the change). */
export async function lockProduct(em: EntityManager, id: string): Promise<Product | null> {
  return em.findOne(Product, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

/** Writes every field now; the flush bumps the version. */
export async function saveProduct(em: EntityManager, product: Product, input: ProductInput): Promise<void> {
  product.name = input.name;
  product.description = input.description;
  product.category = input.category;
  product.price = normalizePrice(input.price.amount);
  product.currency = input.price.currency;
  product.attributes = input.attributes;
  product.active = input.active;
  product.updatedAt = new Date();
  await em.flush();
}

export function removeProduct(em: EntityManager, product: Product): void {
  em.remove(product);
}

/**
 * A failed product write as the caller's problem when the database's own constraints refused it:
 * the unique name, the category's foreign key, the optimistic version. Anything else is returned as is.
 */
export function writeFailure(err: unknown, input: Partial<ProductInput>): unknown {
  if (err instanceof UniqueConstraintViolationException) {
    return problems.conflict(`A product named "${input.name?.trim()}" already exists`);
  }
  if (err instanceof ForeignKeyConstraintViolationException) {
    const violations = [`category "${input.category}" does not exist`];
    return problems.unprocessable(violations.join('; '), { violations });
  }
  if (err instanceof OptimisticLockError) {
    return problems.preconditionFailed('The product was changed by someone else; read it again');
  }
  return err;
}

// ---- reads

export async function findProduct(em: EntityManager, id: string): Promise<Product | null> {
  return em.findOne(Product, { id });
}

export async function countProducts(em: EntityManager): Promise<number> {
  return em.count(Product, {});
}

export async function listProductPage(em: EntityManager, query: ListQuery): Promise<PageResult<ProductView>> {
  const params: unknown[] = [];
  const where = filterConditions(query.filters, params);
  const [count] = await em.execute(`select count(*)::int as total from product p where ${where}`, params);
  const rows = await em.execute(
    `select ${COLUMNS} from product p where ${where}
     order by ${SORT_COLUMNS[query.sort]} ${query.order}, p.id ${query.order}
     limit ? offset ?`,
    [...params, query.pageSize, (query.page - 1) * query.pageSize],
  );
  return {
    items: rows.map(rowView),
    page: query.page,
    pageSize: query.pageSize,
    total: Number(count.total),
  };
}

/** SQL conditions for the filters, pushing their values to `params` (values never enter the SQL). */
function filterConditions(filters: ProductFilters, params: unknown[]): string {
  const conditions = ['true'];
  if (filters.category !== undefined) {
    conditions.push('p.category = ?');
    params.push(filters.category);
  }
  if (filters.minPrice !== undefined) {
    conditions.push('p.price >= cast(? as numeric)');
    params.push(filters.minPrice);
  }
  if (filters.maxPrice !== undefined) {
    conditions.push('p.price <= cast(? as numeric)');
    params.push(filters.maxPrice);
  }
  if (filters.active !== undefined) {
    conditions.push('p.active = ?');
    params.push(filters.active);
  }
  return conditions.join(' and ');
}
