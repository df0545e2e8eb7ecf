// Reads and writes of the catalog. Every write commits its event (through the outbox) in the same
// transaction as the change, then invalidates the cache; reads try the cache, then PostgreSQL.
import type { ProductDeleted, ProductSnapshot } from '@mercato/contracts';
import type { EntityManager, MikroORM } from '@mercato/db';
import { addToOutbox, envelope } from '@mercato/messaging';
import {
  ForeignKeyConstraintViolationException,
  LockMode,
  OptimisticLockError,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { uuidv7 } from 'uuidv7';
import {
  DuplicateError,
  InvalidQueryError,
  NotFoundError,
  RuleViolationError,
  StaleVersionError,
} from './domain/errors.ts';
import { comparePrices, normalizePrice } from './domain/price.ts';
import { type ProductAttributes, productRuleViolations } from './domain/product-rules.ts';
import { normalizeSearchText, TYPO_THRESHOLD } from './domain/search.ts';
import { Category, Product } from './entities.ts';
import type { ReadCache } from './plugins/read-cache.ts';

export const SOURCE = 'catalog';

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

export interface ProductInput {
  name: string;
  description: string;
  category: string;
  price: { amount: string; currency: string };
  attributes: ProductAttributes;
  active: boolean;
}

export interface ProductFilters {
  category?: string;
  minPrice?: string;
  maxPrice?: string;
  active?: boolean;
}

export type SortField = 'name' | 'price' | 'createdAt';
export type SortOrder = 'asc' | 'desc';

export interface PageResult<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

/** Called with the current version before a change; throws to refuse it (If-Match → 412). */
export type VersionCheck = (currentVersion: number) => void;

const SORT_COLUMNS: Record<SortField, string> = {
  name: 'lower(p.name)',
  price: 'p.price',
  createdAt: 'p.created_at',
};
const COLUMNS =
  'p.id, p.name, p.description, p.category, p.price, p.currency, p.attributes, p.active, p.created_at, p.updated_at, p.version';

export class CatalogStore {
  constructor(
    private readonly orm: MikroORM,
    private readonly cache: ReadCache,
  ) {}

  // ---- categories

  async listCategories(): Promise<CategoryView[]> {
    const em = this.orm.em.fork();
    const rows = await em.find(Category, {}, { orderBy: { slug: 'asc' } });
    return rows.map(categoryView);
  }

  async createCategory(input: { slug: string; name: string }): Promise<CategoryView> {
    const em = this.orm.em.fork();
    const category = em.create(Category, {
      id: uuidv7(),
      slug: input.slug,
      name: input.name.trim(),
      createdAt: new Date(),
    });
    try {
      await em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        throw new DuplicateError(`A category with slug "${input.slug}" already exists`);
      }
      throw err;
    }
    await this.cache.invalidatePages();
    return categoryView(category);
  }

  // ---- product writes

  async createProduct(input: ProductInput): Promise<ProductView> {
    assertRules(input);
    const product = await this.#write(async (em) => {
      const now = new Date();
      const created = em.create(Product, {
        id: uuidv7(),
        name: input.name.trim(),
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
      await addToOutbox(em, envelope('product.created', snapshot(created), { source: SOURCE }));
      return created;
    }, input);
    await this.cache.invalidateProduct(product.id);
    return productView(product);
  }

  /** Replaces (PUT) or merges (PATCH) the product's fields; `changes` holds what is to be set. */
  async updateProduct(
    id: string,
    changes: Partial<ProductInput>,
    check?: VersionCheck,
  ): Promise<ProductView> {
    const product = await this.#write(async (em) => {
      const current = await em.findOne(Product, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!current) throw new NotFoundError(`No product ${id}`);
      check?.(current.version);
      const next: ProductInput = {
        name: changes.name?.trim() ?? current.name,
        description: changes.description ?? current.description,
        category: changes.category ?? current.category,
        price: changes.price ?? { amount: current.price, currency: current.currency },
        attributes: changes.attributes ?? current.attributes,
        active: changes.active ?? current.active,
      };
      assertRules(next);
      current.name = next.name;
      current.description = next.description;
      current.category = next.category;
      current.price = normalizePrice(next.price.amount);
      current.currency = next.price.currency;
      current.attributes = next.attributes;
      current.active = next.active;
      current.updatedAt = new Date();
      await em.flush(); // bumps the version
      await addToOutbox(em, envelope('product.updated', snapshot(current), { source: SOURCE }));
      return current;
    }, changes);
    await this.cache.invalidateProduct(id);
    return productView(product);
  }

  async deleteProduct(id: string, check?: VersionCheck): Promise<void> {
    await this.#write(async (em) => {
      const current = await em.findOne(Product, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!current) throw new NotFoundError(`No product ${id}`);
      check?.(current.version);
      // The deletion is newer than the last snapshot: consumers order it after that one.
      const deleted: ProductDeleted = { productId: id, version: current.version + 1 };
      em.remove(current);
      await addToOutbox(em, envelope('product.deleted', deleted, { source: SOURCE }));
    }, {});
    await this.cache.invalidateProduct(id);
  }

  /** One transaction; the database's own constraints are translated to catalog errors. */
  async #write<T>(work: (em: EntityManager) => Promise<T>, input: Partial<ProductInput>): Promise<T> {
    try {
      return await this.orm.em.fork().transactional(work);
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        throw new DuplicateError(`A product named "${input.name?.trim()}" already exists`);
      }
      if (err instanceof ForeignKeyConstraintViolationException) {
        throw new RuleViolationError([`category "${input.category}" does not exist`]);
      }
      if (err instanceof OptimisticLockError) {
        throw new StaleVersionError('The product was changed by someone else; read it again');
      }
      throw err;
    }
  }

  // ---- product reads

  async getProduct(id: string): Promise<ProductView> {
    const { value: cached, key } = await this.cache.getProduct<ProductView>(id);
    if (cached) return cached;
    const em = this.orm.em.fork();
    const product = await em.findOne(Product, { id });
    if (!product) throw new NotFoundError(`No product ${id}`);
    const view = productView(product);
    await this.cache.setProduct(key, view);
    return view;
  }

  async listProducts(query: {
    filters: ProductFilters;
    sort: SortField;
    order: SortOrder;
    page: number;
    pageSize: number;
  }): Promise<PageResult<ProductView>> {
    assertPriceRange(query.filters);
    const { value, key } = await this.cache.getPage<PageResult<ProductView>>('list', query);
    if (value) return value;
    const params: unknown[] = [];
    const where = filterConditions(query.filters, params);
    const em = this.orm.em.fork();
    const [count] = await em.execute(`select count(*)::int as total from product p where ${where}`, params);
    const rows = await em.execute(
      `select ${COLUMNS} from product p where ${where}
       order by ${SORT_COLUMNS[query.sort]} ${query.order}, p.id ${query.order}
       limit ? offset ?`,
      [...params, query.pageSize, (query.page - 1) * query.pageSize],
    );
    const result = {
      items: rows.map(rowView),
      page: query.page,
      pageSize: query.pageSize,
      total: Number(count.total),
    };
    await this.cache.setPage(key, result);
    return result;
  }

  /**
   * Full-text search (stemmed, weighted: name and author above category above description) OR'ed with
   * trigram word similarity on name and author, so "Hobit" still finds "The Hobbit". Ranked by
   * ts_rank plus the best similarity; the id breaks ties so pages are stable.
   */
  async searchProducts(query: {
    q: string;
    filters: ProductFilters;
    page: number;
    pageSize: number;
  }): Promise<PageResult<ProductView & { score: number }>> {
    assertPriceRange(query.filters);
    const q = normalizeSearchText(query.q);
    if (q === '') throw new InvalidQueryError('q must contain something to search for');
    const cacheQuery = { ...query, q };
    const { value, key } = await this.cache.getPage<PageResult<ProductView & { score: number }>>(
      'search',
      cacheQuery,
    );
    if (value) return value;

    const params: unknown[] = [q, q];
    const filters = filterConditions(query.filters, params);
    const matches = `from product p,
        (select websearch_to_tsquery('english'::regconfig, ?) as tsq, cast(? as text) as term) s
      where (p.search_vector @@ s.tsq
             or s.term operator(public.<%) p.name
             or s.term operator(public.<%) (p.attributes ->> 'author'))
        and ${filters}`;
    const result = await this.orm.em.fork().transactional(async (em) => {
      // The <% operators use this threshold (and can use the trigram indexes); local to this transaction.
      await em.execute(`select set_config('pg_trgm.word_similarity_threshold', ?, true)`, [
        String(TYPO_THRESHOLD),
      ]);
      const [count] = await em.execute(`select count(*)::int as total ${matches}`, params);
      const rows = await em.execute(
        `select ${COLUMNS},
           ts_rank(p.search_vector, s.tsq) + greatest(
             public.word_similarity(s.term, p.name),
             coalesce(public.word_similarity(s.term, p.attributes ->> 'author'), 0)
           ) as score
         ${matches}
         order by score desc, p.id
         limit ? offset ?`,
        [...params, query.pageSize, (query.page - 1) * query.pageSize],
      );
      return {
        items: rows.map((row: Record<string, unknown>) => ({
          ...rowView(row),
          score: Math.round(Number(row.score) * 1e4) / 1e4,
        })),
        page: query.page,
        pageSize: query.pageSize,
        total: Number(count.total),
      };
    });
    await this.cache.setPage(key, result);
    return result;
  }

  /** Whether the catalog has any product yet (for the demo seed). */
  async isEmpty(): Promise<boolean> {
    return (await this.orm.em.fork().count(Product, {})) === 0;
  }
}

function assertRules(input: Partial<ProductInput>): void {
  if (input.category === undefined || input.attributes === undefined) return;
  const violations = productRuleViolations({ category: input.category, attributes: input.attributes });
  if (violations.length > 0) throw new RuleViolationError(violations);
}

function assertPriceRange(filters: ProductFilters): void {
  if (filters.minPrice !== undefined && filters.maxPrice !== undefined) {
    if (comparePrices(filters.minPrice, filters.maxPrice) > 0) {
      throw new InvalidQueryError('minPrice must not be greater than maxPrice');
    }
  }
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

function snapshot(product: Product): ProductSnapshot {
  return {
    productId: product.id,
    name: product.name,
    price: { amount: product.price, currency: product.currency },
    active: product.active,
    category: product.category,
    version: product.version,
  };
}

function productView(product: Product): ProductView {
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

function rowView(row: Record<string, any>): ProductView {
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

function categoryView(category: Category): CategoryView {
  return {
    id: category.id,
    slug: category.slug,
    name: category.name,
    createdAt: category.createdAt.toISOString(),
  };
}
