// How many events a customer sent in the current minute, counted in Redis (shared by every replica).
import type { Redis } from 'ioredis';

export interface QuotaAnswer {
  allowed: boolean;
  /** seconds until the window ends (Retry-After) */
  retryAfter: number;
}

/**
 * Adds `count` events to the customer's fixed one-minute window. Redis is an accelerator: when it
 * fails the events are let through (fail open: views are a signal, not money) and `undefined` says so.
 */
export async function takeEventQuota(
  redis: Redis,
  prefix: string,
  userId: string,
  count: number,
  perMinute: number,
): Promise<QuotaAnswer | undefined> {
  const key = `${prefix}:${userId}`;
  try {
    const result = await redis.multi().incrby(key, count).pexpire(key, 60_000, 'NX').pttl(key).exec();
    if (!result) return undefined;
    const used = Number(result[0]?.[1]);
    const ttl = Number(result[2]?.[1]);
    return { allowed: used <= perMinute, retryAfter: Math.max(1, Math.ceil(ttl / 1000)) };
  } catch {
    return undefined;
  }
}
