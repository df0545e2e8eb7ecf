// @fastify/rate-limit's store, backed by LeasedCounter (domain/leased-counter.ts): the limiter asks
// Redis for a batch of a key's requests instead of an EVALSHA per request (ioredis was 12 % of the
// gateway's CPU under load, and every request ran a script in the Redis server).
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import type { Lease, LeasedCounter, LeaseFn } from '../domain/leased-counter.ts';

// KEYS[1] the counter; ARGV want, max, window ms. Grants min(want, max - count) requests (none once
// the limit is spent), starting the window with the first grant; answers {granted, count, ttl ms}.
const LEASE_SCRIPT = `
local key = KEYS[1]
local want = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local count = tonumber(redis.call('GET', key) or '0')
local granted = math.min(want, max - count)
if granted < 1 then
  granted = 0
elseif count == 0 then
  redis.call('SET', key, granted, 'PX', window)
  return {granted, granted, window}
else
  count = redis.call('INCRBY', key, granted)
end
local ttl = redis.call('PTTL', key)
if ttl < 0 then
  redis.call('PEXPIRE', key, window)
  ttl = window
end
return {granted, count, ttl}
`;

type LeasingRedis = Redis & {
  gatewayRateLease(key: string, want: number, max: number, windowMs: number): Promise<number[]>;
};

/** The lease from Redis, keys under `prefix` (RATE_LIMIT_REDIS_PREFIX). */
export function redisLease(redis: Redis, prefix: string): LeaseFn {
  const leasing = redis as LeasingRedis;
  if (typeof leasing.gatewayRateLease !== 'function')
    redis.defineCommand('gatewayRateLease', { numberOfKeys: 1, lua: LEASE_SCRIPT });
  return async (key, want, max, windowMs): Promise<Lease> => {
    const [granted, count, ttlMs] = await leasing.gatewayRateLease(prefix + key, want, max, windowMs);
    return { granted: granted!, count: count!, ttlMs: ttlMs! };
  };
}

/** The store class @fastify/rate-limit constructs (it takes a constructor), over one counter. */
export function leasedStore(counter: LeasedCounter): FastifyRateLimitStoreCtor {
  return class LeasedStore implements FastifyRateLimitStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
      max: number,
    ): void {
      counter.take(key, max, timeWindow).then(
        (taken) => callback(null, { current: taken.current, ttl: taken.ttlMs }),
        (err: Error) => callback(err),
      );
    }

    child(): FastifyRateLimitStore {
      // A route's own limit would need counts of its own; the gateway has one limit for all routes.
      throw new Error('the gateway limiter has no per-route limits');
    }
  };
}
