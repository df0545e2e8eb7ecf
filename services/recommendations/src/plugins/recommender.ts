// The recommendation use cases bound to this app's ORM, Redis and settings, as the routes call them
// (app.recommender).
import type { MikroORM } from '@mercato/db';
import { problems } from '@mercato/kit';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { takeEventQuota } from '../persistence/event-quota.ts';
import type { ModelSettings } from '../use-cases/context.ts';
import { forCustomer, forProduct, popularNow } from '../use-cases/recommend.ts';
import { recordViews, type ViewEvent } from '../use-cases/record-views.ts';

export interface RecommenderOptions {
  settings: ModelSettings;
  eventsPerMinute: number;
  /** Redis key prefix of the event quota (tests pass their own). */
  quotaPrefix: string;
}

export function recommender(orm: MikroORM, redis: Redis, opts: RecommenderOptions) {
  const { settings } = opts;
  return {
    forProduct: (productId: string, limit: number) => forProduct(orm, settings, productId, limit),
    forCustomer: (userId: string, limit: number) => forCustomer(orm, settings, userId, limit),
    popular: (category: string | undefined, limit: number) => popularNow(orm, category, limit),
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
    app.decorate('recommender', recommender(app.orm, app.redis, opts));
  },
  { name: 'recommender' },
);
