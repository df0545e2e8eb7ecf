import type { App } from '@mercato/kit';
import { buildService } from '@mercato/service';
import type { JSONWebKeySet } from 'jose';
import { migrations } from '../migrations/index.ts';
import type { Config } from './config.ts';
import { registerConsumers } from './consumers/index.ts';
import { entities } from './persistence/entities.ts';
import recommender from './plugins/recommender.ts';
import recommendationsRoutes from './routes/recommendations/index.ts';
import type { ModelSettings } from './use-cases/context.ts';

export interface AppDeps {
  /** A fixed key set instead of JWKS_URL (tests: testAuth().jwks). */
  jwks?: JSONWebKeySet;
  /** Consumer retry delays (tests shorten them). */
  retryDelaysMs?: number[];
  /** Redis key prefix of the per-customer event quota (tests pass a unique one). */
  quotaPrefix?: string;
}

export function modelSettings(config: Config): ModelSettings {
  return {
    halfLives: {
      coPurchaseDays: config.CO_PURCHASE_HALF_LIFE_DAYS,
      popularDays: config.POPULAR_HALF_LIFE_DAYS,
    },
    minCoPurchases: config.MIN_CO_PURCHASES,
    viewSessionMinutes: config.VIEW_SESSION_MINUTES,
    recentViewsKept: config.RECENT_VIEWS_KEPT,
  };
}

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<App> {
  const settings = modelSettings(config);
  return buildService({
    name: 'recommendations',
    config,
    database: { entities, migrations },
    consumers: { retryDelaysMs: deps.retryDelaysMs },
    // It writes no events: nothing to relay.
    relay: false,
    auth: { jwks: deps.jwks },
    openapi: {
      description:
        'Recommendations learnt from orders and views: bought together, for you, popular in a category',
    },
    async setup(ctx) {
      await ctx.app.register(recommender, {
        settings,
        eventsPerMinute: config.VIEW_EVENTS_PER_MINUTE,
        quotaPrefix: deps.quotaPrefix ?? 'recommendations:events',
      });
      await ctx.app.register(recommendationsRoutes, { prefix: '/recommendations' });
      await registerConsumers(ctx, settings);
    },
  });
}
