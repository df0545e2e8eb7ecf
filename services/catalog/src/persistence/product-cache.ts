// Redis in front of the hot reads (product by id, list and search pages). Redis is an accelerator:
// every call here fails open — a miss, a logged warning — so the routes answer from PostgreSQL
// while Redis is down, slow or unreachable.
import { createHash } from 'node:crypto';
import type { Logger } from '@mercato/messaging';
import type { Redis, RedisOptions } from 'ioredis';

export interface ProductCacheOptions {
  /** the service's client (app.redis), made with `productCacheRedisOptions` */
  redis: Redis;
  /** key prefix; the service's schema, so tests with their own schema never share entries */
  namespace: string;
  ttlSeconds: number;
  logger: Logger;
}

// A cache lookup that takes longer than this costs more than going to PostgreSQL.
const COMMAND_TIMEOUT_MS = 200;

/** The Redis client this cache needs (buildService's `redis.options`). */
export const productCacheRedisOptions: RedisOptions = {
  // Fail fast instead of queueing commands until Redis comes back: a miss is cheap, a wait is not.
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: COMMAND_TIMEOUT_MS,
  connectTimeout: 2_000,
  retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
};

// One round trip: the generation, and the entry stored under it.
const GET_VERSIONED = `
local generation = redis.call('GET', KEYS[1]) or '0'
return { generation, redis.call('GET', ARGV[1] .. generation) }
`;

export class ProductCache {
  readonly redis: Redis;
  readonly #prefix: string;
  readonly #ttl: number;
  readonly logger: Logger;
  #warnedDown = false;
  // Invalidations that could not reach Redis: replayed as soon as it is back, so entries cached
  // before an outage do not outlive a write made during it (a crash loses them: TTL bounds that).
  readonly #missedProducts = new Set<string>();
  #missedPages = false;

  constructor(opts: ProductCacheOptions) {
    this.#prefix = `catalog:${opts.namespace}`;
    this.#ttl = opts.ttlSeconds;
    this.logger = opts.logger;
    this.redis = opts.redis;
    // One warning per outage is enough (the builder's own listener logs every error at debug).
    this.redis.on('error', (err) => {
      if (!this.#warnedDown) this.logger.warn({ err }, 'cache: Redis unavailable, reading from PostgreSQL');
      this.#warnedDown = true;
    });
    this.redis.on('ready', () => {
      if (this.#warnedDown) this.logger.info('cache: Redis available again');
      this.#warnedDown = false;
      void this.#replayMissed();
    });
  }

  /*
   * Every entry's key carries a generation read in the same round trip as the entry: a product's own
   * generation for the product, the catalog's for list and search pages. A write bumps the
   * generations after its commit, so a reader that loaded the old row before the commit stores it
   * under the old generation, where nobody looks again: no stale entry can outlive a write.
   */

  async getProduct<T>(id: string): Promise<{ value?: T; key?: string }> {
    return this.#getVersioned<T>(this.#productGeneration(id), `${this.#prefix}:product:${id}:`);
  }

  async setProduct(key: string | undefined, value: unknown): Promise<void> {
    if (key) await this.#set(key, value);
  }

  async getPage<T>(kind: string, query: unknown): Promise<{ value?: T; key?: string }> {
    const digest = createHash('sha256').update(JSON.stringify(query)).digest('base64url');
    return this.#getVersioned<T>(this.#catalogGeneration(), `${this.#prefix}:page:${kind}:${digest}:`);
  }

  async setPage(key: string | undefined, value: unknown): Promise<void> {
    if (key) await this.#set(key, value);
  }

  #productGeneration(id: string): string {
    return `${this.#prefix}:generation:product:${id}`;
  }

  #catalogGeneration(): string {
    return `${this.#prefix}:generation`;
  }

  async #getVersioned<T>(generationKey: string, keyPrefix: string): Promise<{ value?: T; key?: string }> {
    const reply = await this.#command(() => this.redis.eval(GET_VERSIONED, 1, generationKey, keyPrefix));
    if (!Array.isArray(reply)) return {};
    const [generation, raw] = reply as [string, string | null];
    const key = keyPrefix + generation;
    if (typeof raw !== 'string') return { key };
    try {
      return { value: JSON.parse(raw) as T, key };
    } catch {
      return { key };
    }
  }

  /** After a committed write: the product's entry and every cached page are stale. */
  async invalidateProduct(id: string): Promise<void> {
    this.#missedProducts.add(id);
    this.#missedPages = true;
    await this.#replayMissed();
  }

  /** Categories appear in no cached entry but list and search pages depend on them. */
  async invalidatePages(): Promise<void> {
    this.#missedPages = true;
    await this.#replayMissed();
  }

  async #replayMissed(): Promise<void> {
    if (!this.#missedPages && this.#missedProducts.size === 0) return;
    const ids = [...this.#missedProducts];
    const done = await this.#command(() => {
      const tx = this.redis.multi();
      for (const id of ids) {
        // Outlives any entry of the product (TTL) so a generation never restarts under a live entry.
        tx.incr(this.#productGeneration(id)).expire(this.#productGeneration(id), this.#ttl * 10);
      }
      return tx.incr(this.#catalogGeneration()).exec();
    });
    if (done === undefined || done === null) return; // kept for the next 'ready'
    for (const id of ids) this.#missedProducts.delete(id);
    this.#missedPages = false;
  }

  async #set(key: string, value: unknown): Promise<void> {
    await this.#command(() => this.redis.set(key, JSON.stringify(value), 'EX', this.#ttl));
  }

  /** Runs a command when Redis is ready; undefined when it is not or the command fails. */
  async #command<T>(run: () => Promise<T>): Promise<T | undefined> {
    if (this.redis.status !== 'ready') return undefined;
    try {
      return await run();
    } catch (err) {
      this.logger.warn({ err }, 'cache: Redis command failed, continuing without cache');
      return undefined;
    }
  }
}
