import type { App } from '@mercato/kit';
import { buildService } from '@mercato/service';
import type { JSONWebKeySet } from 'jose';
import { migrations } from '../migrations/index.ts';
import type { Carrier } from './carrier/carrier.ts';
import { httpCarrier } from './carrier/http-carrier.ts';
import type { Config } from './config.ts';
import { entities } from './persistence/entities.ts';
import { setupRates } from './plugins/rates.ts';
import { setupShipments } from './plugins/shipments.ts';

export interface AppDeps {
  /** A fixed key set instead of JWKS_URL (tests: testAuth().jwks). */
  jwks?: JSONWebKeySet;
  /** Consumer retry delays (tests shorten them). */
  retryDelaysMs?: number[];
  /** Another carrier than the HTTP one at CARRIER_URL (tests). */
  carrier?: Carrier;
}

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<App> {
  return buildService({
    name: 'shipping',
    config,
    database: { entities, migrations },
    consumers: {
      retryDelaysMs: deps.retryDelaysMs ?? config.CONSUMER_RETRY_DELAYS_MS.split(',').map(Number),
    },
    auth: { jwks: deps.jwks },
    openapi: {
      description:
        'Shipping: rates and quotes, shipments per store booked with the carrier, labels, tracking, returns',
    },
    async setup(ctx) {
      await setupRates(ctx, config);
      const carrier =
        deps.carrier ??
        httpCarrier({
          baseUrl: config.CARRIER_URL,
          timeoutMs: config.CARRIER_TIMEOUT_MS,
          apiKey: config.CARRIER_API_KEY,
        });
      await setupShipments(ctx, config, { carrier });
    },
  });
}
