// A few seconds of Redis in front of GET /stocks/{productId}, the read every product page makes.
// Redis is an accelerator: any failure (down, slow, cut) is logged and the read goes to PostgreSQL.
//
// Each product has a generation counter that every change bumps (after its commit). A cached level
// is stored with the generation its reader saw BEFORE reading PostgreSQL, and only served while
// that is still the current generation: a read that fetched the old level just before a change
// committed can store it, but nobody is ever served it.
//
// The app holds one instance as `app.stockCache` (src/plugins/stock-cache.ts).
import type { Redis } from 'ioredis';

const GENERATION_TTL_SECONDS = 24 * 3600;

/** Where failures go (a pino logger fits). */
export interface CacheLogger {
  warn(obj: object, msg: string): void;
}

export interface CacheLookup<T> {
  hit?: T;
  /** pass back to `set` after reading PostgreSQL */
  generation: string;
}

export class StockCache {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlSeconds: number;
  readonly #log: CacheLogger;

  constructor(opts: { redis: Redis; prefix: string; ttlSeconds: number; log: CacheLogger }) {
    this.#redis = opts.redis;
    this.#prefix = opts.prefix;
    this.#ttlSeconds = opts.ttlSeconds;
    this.#log = opts.log;
  }

  #valueKey(productId: string): string {
    return `${this.#prefix}stock:${productId}`;
  }

  #generationKey(productId: string): string {
    return `${this.#prefix}stock-gen:${productId}`;
  }

  get #usable(): boolean {
    return this.#redis.status === 'ready';
  }

  async get<T>(productId: string): Promise<CacheLookup<T> | undefined> {
    if (!this.#usable) return undefined;
    try {
      const [generation, value] = await this.#redis.mget(
        this.#generationKey(productId),
        this.#valueKey(productId),
      );
      const current = generation ?? '0';
      if (value === null) return { generation: current };
      const entry = JSON.parse(value) as { generation: string; level: T };
      return entry.generation === current
        ? { hit: entry.level, generation: current }
        : { generation: current };
    } catch (err) {
      this.#log.warn({ err }, 'stock cache read failed; reading PostgreSQL');
      return undefined;
    }
  }

  async set(productId: string, generation: string, level: unknown): Promise<void> {
    if (!this.#usable) return;
    try {
      await this.#redis.set(
        this.#valueKey(productId),
        JSON.stringify({ generation, level }),
        'EX',
        this.#ttlSeconds,
      );
    } catch (err) {
      this.#log.warn({ err }, 'stock cache write failed');
    }
  }

  async invalidate(productIds: Iterable<string>): Promise<void> {
    const ids = [...new Set(productIds)];
    if (ids.length === 0 || !this.#usable) return;
    try {
      const multi = this.#redis.multi();
      for (const id of ids) {
        multi.incr(this.#generationKey(id)).expire(this.#generationKey(id), GENERATION_TTL_SECONDS);
        multi.del(this.#valueKey(id));
      }
      await multi.exec();
    } catch (err) {
      // The TTL bounds how long the stale answer can live.
      this.#log.warn({ err }, 'stock cache invalidation failed');
    }
  }
}
