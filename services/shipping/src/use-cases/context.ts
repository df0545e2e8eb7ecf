// What the shipments use cases work with: the ORM, the carrier, the settings they read, the metrics,
// and a way to wake the booking worker once new parcels have committed.
import type { AfterCommit, EntityManager, MikroORM } from '@mercato/db';
import type { Logger } from '@mercato/messaging';
import type { Carrier } from '../carrier/carrier.ts';
import type { Config } from '../config.ts';
import type { ParcelTable } from '../persistence/shipments.ts';
import type { ShippingMetrics } from '../workers/metrics.ts';

export type ShipmentsConfig = Pick<
  Config,
  | 'RETURN_WINDOW_DAYS'
  | 'DEFAULT_WEIGHT_GRAMS'
  | 'STORE_COUNTRY'
  | 'CARRIER_WEBHOOK_SECRET'
  | 'WEBHOOK_TOLERANCE_SECONDS'
>;

export interface ShipmentsContext {
  orm: MikroORM;
  carrier: Carrier;
  config: ShipmentsConfig;
  metrics: ShippingMetrics;
  logger: Logger;
  afterCommit: AfterCommit;
  /** wakes the booking worker for that kind of parcel (called after the commit of one to book) */
  wakeBooking(kind: ParcelTable): void;
  /**
   * the known weights (grams) of these products; a product missing here weighs DEFAULT_WEIGHT_GRAMS
   * (returns; a new order's shipments read the same weights with the row that completes them)
   */
  weightsOf(em: EntityManager, productIds: readonly string[]): Promise<Map<string, number>>;
}
