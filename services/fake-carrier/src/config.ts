import { baseConfigSchema } from '@mercato/kit';
import { type Static, Type } from 'typebox';

const base = baseConfigSchema.properties;

/** The fake carrier needs no database, broker or Redis: where to listen, and where its webhooks go. */
export const configSchema = Type.Object({
  HOST: base.HOST,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3098 }),
  LOG_LEVEL: base.LOG_LEVEL,
  /** Where tracking events are POSTed: shipping's carrier webhook. */
  WEBHOOK_URL: Type.String({ minLength: 1, default: 'http://127.0.0.1:3009/shippings/webhooks/carrier' }),
  /** The secret every webhook is signed with: shipping's CARRIER_WEBHOOK_SECRET (the same default). */
  WEBHOOK_SECRET: Type.String({ minLength: 16, default: 'dev-only-carrier-webhook-secret' }),
  /** A webhook POST not answered within this has failed; it is not retried (redeliver it by hand). */
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 60_000, default: 5_000 }),
  /**
   * 0: tracking events only by hand (POST /v1/parcels/{trackingNumber}/events). Above 0: every booked
   * parcel walks picked_up → in_transit → out_for_delivery → delivered, one step per this interval.
   */
  AUTO_ADVANCE_MS: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 0 }),
  /** When set, every /v1 request must carry `Authorization: Bearer <API_KEY>` (shipping's CARRIER_API_KEY). */
  API_KEY: Type.Optional(Type.String({ minLength: 1 })),
});
export type Config = Static<typeof configSchema>;
