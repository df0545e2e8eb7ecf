// The shipments part's Prometheus metrics, on the app's registry (GET /metrics).
import type { MikroORM } from '@mercato/db';
import { Counter, Gauge, type Registry } from 'prom-client';
import { table } from '../persistence/shipments-sql.ts';

export interface ShippingMetrics {
  /** carrier exceptions reported by webhook, by the carrier's code */
  exceptions: Counter<'code'>;
  /** webhook requests by outcome: accepted, duplicate, or the reason they were refused */
  webhooks: Counter<'outcome'>;
  /** bookings with the carrier by kind (outbound, return) and outcome (booked, refused, unavailable) */
  bookings: Counter<'kind' | 'outcome'>;
  /** parcels the carrier refused for good (booking_failed): each needs an admin */
  bookingsFailed: Counter<'kind'>;
}

export function shippingMetrics(registry: Registry, orm: MikroORM): ShippingMetrics {
  new Gauge({
    name: 'shipping_parcels_open_exceptions',
    help: 'Shipments whose last carrier exception is not resolved by a later progress event',
    registers: [registry],
    async collect() {
      try {
        const em = orm.em.fork();
        const [row] = await em.execute<{ n: number }[]>(
          `select count(*)::int as n from ${table(em, 'shipment')} where exception_code is not null`,
        );
        this.set(row?.n ?? 0);
      } catch {
        // the database is down: /metrics still answers, without a fresh value
      }
    },
  });
  return {
    exceptions: new Counter({
      name: 'shipping_exceptions_total',
      help: 'Carrier exceptions (address not found, damaged, refused...) reported for parcels, by code',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    webhooks: new Counter({
      name: 'shipping_webhooks_total',
      help: 'Carrier webhook requests by outcome (accepted, duplicate, replayed, bad-signature, stale-timestamp, ...)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    bookings: new Counter({
      name: 'shipping_bookings_total',
      help: 'Parcel bookings with the carrier by kind and outcome (booked, refused: booking_failed, unavailable: retried)',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
    bookingsFailed: new Counter({
      name: 'shipping_bookings_failed_total',
      help: 'Parcels the carrier refused for good (status booking_failed: GET /shippings?status=booking_failed), by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
  };
}
