// The recommendation use cases bound to this app's ORM, Redis, read cache and settings, as the routes call them
// (app.recommender).
import type { MikroORM } from '@mercato/db';
import { problems } from '@mercato/kit';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { NEIGHBOURS_KEPT } from '../domain/similarity.ts';
import { takeEventQuota } from '../persistence/event-quota.ts';
import { ReadCache } from '../persistence/read-cache.ts';
import type { ModelSettings } from '../use-cases/context.ts';
import {
  forCustomer,
  forProduct,
  POPULAR_KEPT,
  popularAnswer,
  type RecommendContext,
} from '../use-cases/recommend.ts';
import { recordViews, type ViewEvent } from '../use-cases/record-views.ts';

export interface RecommenderOptions {
  settings: ModelSettings;
  eventsPerMinute: number;
  /** Redis key prefix of the event quota (tests pass their own). */
  quotaPrefix: string;
}

export function recommender(orm: MikroORM, redis: Redis, cache: ReadCache, opts: RecommenderOptions) {
  const { settings } = opts;
  const ctx: RecommendContext = { orm, cache, settings };
  return {
    forProduct: (productId: string, limit: number) => forProduct(ctx, productId, limit),
    forCustomer: (userId: string, limit: number) => forCustomer(ctx, userId, limit),
    popular: (category: string | undefined, limit: number) => popularAnswer(ctx, category, limit),
    recordEvents: async (userId: string, events: readonly ViewEvent[]) => {
      const quota = await takeEventQuota(
        redis,
        opts.quotaPrefix,
        userId,
        events.length,
        opts.eventsPerMinute,
      );
      if (quota && !quota.allowed)
        throw problems.tooManyRequests(
          `At most ${opts.eventsPerMinute} events a minute; send them batched`,
          quota.retryAfter,
        );
      return recordViews(orm, settings, userId, events);
    },
  };
}
export type Recommender = ReturnType<typeof recommender>;

declare module 'fastify' {
  interface FastifyInstance {
    recommender: Recommender;
  }
}

export default fp(
  async (app, opts: RecommenderOptions) => {
    const cache = new ReadCache(app.orm, {
      minCoPurchases: opts.settings.minCoPurchases,
      neighboursKept: NEIGHBOURS_KEPT,
      popularKept: POPULAR_KEPT,
      warn: (err, msg) => app.log.warn({ err }, msg),
    });
    // A commit of this process (a consumer's event, a batch of views) is looked at right away, and the
    // answers wait for that look: what a handled event changed shows in the very next answer here.
    app.orm.em.getEventManager().registerSubscriber({ afterTransactionCommit: () => cache.committed() });
    app.addHook('onReady', async () => cache.start());
    app.addHook('onClose', async () => cache.stop());
    app.decorate('recommender', recommender(app.orm, app.redis, cache, opts));
  },
  { name: 'recommender' },
);
