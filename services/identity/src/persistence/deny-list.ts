// The access-token deny-list every service checks (kit's auth): `auth:denied:<jti>` in Redis, kept
// until the token would have expired anyway. A copy: the source of truth is identity's refresh_token
// rows (revoked, access token still live), from which workers/deny-list-resync.ts refills Redis.
import type { Redis } from 'ioredis';

export const DENY_PREFIX = 'auth:denied:';

/** Throws when Redis does not take every entry. */
export async function denyAccessTokens(
  redis: Redis,
  tokens: { jti: string; expiresAt: Date }[],
): Promise<void> {
  const now = Date.now();
  const pipeline = redis.pipeline();
  for (const t of tokens) {
    const ttl = Math.ceil((t.expiresAt.getTime() - now) / 1000);
    if (ttl > 0) pipeline.set(DENY_PREFIX + t.jti, '1', 'EX', ttl);
  }
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([err]) => err);
  if (failed) throw failed[0];
}
