// Logout survives a Redis restart. Redis (without persistence) loses the deny-list when it restarts,
// and a logged-out token would work again. The database is the source of truth — every revocation
// marks refresh_token rows, each of which remembers its access token's jti and expiry — and this
// worker copies the live revocations back into Redis: when the client becomes ready (the first connect
// and every reconnect, which a restart forces) and every `intervalMs` (a flush or a failover to a
// replica that missed writes does not drop the connection). Every replica runs it; the writes are
// idempotent (SET with the token's remaining life).
import type { MikroORM } from '@mercato/db';
import { type Periodic, startPeriodic } from '@mercato/kit';
import type { Logger } from '@mercato/messaging';
import type { Redis } from 'ioredis';
import { denyAccessTokens } from '../persistence/deny-list.ts';
import { revokedLiveAccessTokens } from '../persistence/refresh-tokens.ts';

export function startDenyListResync(opts: {
  orm: MikroORM;
  redis: Redis;
  log: Logger;
  intervalMs: number;
}): Periodic {
  const { orm, redis, log } = opts;
  let running: Promise<void> | undefined;
  const resync = (why: string): Promise<void> => {
    // One copy at a time: a reconnect during a periodic pass waits for it, then copies again.
    const previous = running ?? Promise.resolve();
    const next = previous.then(async () => {
      if (redis.status !== 'ready') return;
      const tokens = await revokedLiveAccessTokens(orm.em.fork(), new Date());
      await denyAccessTokens(redis, tokens);
      if (why === 'reconnect') log.info({ count: tokens.length }, 'deny-list copied back into Redis');
    });
    running = next.catch(() => {});
    return next;
  };

  const onReady = () => {
    resync('reconnect').catch((err) => log.warn({ err }, 'deny-list resync after reconnect failed'));
  };
  redis.on('ready', onReady);
  const periodic = startPeriodic(
    opts.intervalMs,
    () => resync('periodic'),
    (err) => log.warn({ err }, 'deny-list resync failed'),
  );
  return {
    async stop() {
      redis.off('ready', onReady);
      await periodic.stop();
      await running;
    },
  };
}
