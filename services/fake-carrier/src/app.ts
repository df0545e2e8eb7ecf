// A stand-in for a parcel carrier, for local runs and tests: books parcels (in memory), and reports
// their tracking events to shipping's webhook, signed with the shared secret, as a carrier would:
// by hand (POST /v1/parcels/{trackingNumber}/events, and redeliveries of an event), or by itself
// every AUTO_ADVANCE_MS. It answers like a third party ({ error } bodies), not like Mercato.
import type { App } from '@mercato/kit';
import { buildService } from '@mercato/service';
import type { Config } from './config.ts';
import { requireApiKey } from './plugins/api-key.ts';
import { startAutoAdvance } from './plugins/auto-advance.ts';
import parcelBook from './plugins/parcel-book.ts';
import webhooks from './plugins/webhooks.ts';
import eventsRoutes from './routes/events/index.ts';
import parcelsRoutes from './routes/parcels/index.ts';

export async function buildApp(config: Config): Promise<App> {
  return buildService({
    name: 'fake-carrier',
    config,
    // A third party's stand-in: no tokens of ours, nothing kept outside the process.
    auth: false,
    redis: false,
    openapi: {
      title: 'Fake carrier',
      description:
        'Books parcels and sends signed tracking webhooks (by hand, or walking each parcel to delivered)',
    },
    async setup({ app, logger, stopOnClose }) {
      await app.register(parcelBook);
      await app.register(webhooks, { config });
      await app.register(
        async (v1: App) => {
          const { API_KEY } = config;
          if (API_KEY) v1.addHook('onRequest', requireApiKey(API_KEY));
          await v1.register(parcelsRoutes, { prefix: '/parcels' });
          await v1.register(eventsRoutes, { prefix: '/events' });
        },
        { prefix: '/v1' },
      );
      if (config.AUTO_ADVANCE_MS > 0)
        stopOnClose(
          startAutoAdvance({
            intervalMs: config.AUTO_ADVANCE_MS,
            book: app.parcelBook,
            webhooks: app.webhooks,
            log: logger,
          }),
        );
    },
  });
}
