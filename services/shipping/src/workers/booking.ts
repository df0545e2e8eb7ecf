// Books parcels (shipments and returns) with the carrier, outside of any database transaction.
//
// Why a worker rather than calling the carrier in the consumer: the consumer's handler runs in the
// inbox transaction, and a carrier call can take seconds. So each booking goes through three steps,
// each safe to repeat (the pattern of payments' provider worker):
//   1. the consumer (or POST /shippings/returns) inserts the parcel `booking`, due now;
//   2. the worker leases it (`booking_tries + 1`, `next_booking_at` pushed past the carrier's timeout,
//      SKIP LOCKED so replicas never take the same row) and calls the carrier with the parcel's id as
//      the reference, which is the carrier's idempotency key;
//   3. it records the outcome only if the parcel is still `booking`: label_created with its event
//      (shipment.created / return.requested), booking_failed when refused, or the next try after a
//      backoff (BOOKING_RETRY_BASE_MS doubled per try up to BOOKING_RETRY_MAX_MS) when unavailable.
// A crash between 2 and 3 leaves the parcel leased; the lease expires and a worker books it again with
// the SAME reference, and the carrier answers with the same tracking number instead of a second parcel.
import type { MikroORM } from '@mercato/db';
import { type DrainLoop, drainLoop, isConnectionError } from '@mercato/kit';
import type { Logger } from '@mercato/messaging';
import type { Carrier, CarrierParcel } from '../carrier/carrier.ts';
import { bookingRetryDelayMs } from '../domain/shipments.ts';
import { leaseDueBookings, type ParcelTable } from '../persistence/shipments.ts';
import { recordBooking, recordRefusal, recordUnavailable } from '../use-cases/record-booking.ts';
import type { ShippingMetrics } from './metrics.ts';

export interface BookingWorkerOptions {
  orm: MikroORM;
  carrier: Carrier;
  logger: Logger;
  metrics: ShippingMetrics;
  pollMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long a leased parcel stays invisible to other workers: longer than one carrier call. */
  leaseMs: number;
  /** Parcels per table leased at once (default 10). */
  batchSize?: number;
}

type Row = Record<string, any>;

const TABLES: readonly ParcelTable[] = ['shipment', 'return_parcel'];

export class BookingWorker {
  readonly #o: BookingWorkerOptions;
  readonly #loop: DrainLoop;
  // The tables the next batch leases from. A wake after an order's shipments were created looks at
  // `shipment` only: leasing `return_parcel` too cost an UPDATE per wake that found nothing (1.9 per
  // order in bench:orders' statement census). The poll looks at both (leases that expired, retries).
  readonly #look = new Set<ParcelTable>();
  #poll: NodeJS.Timeout | undefined;

  constructor(opts: BookingWorkerOptions) {
    this.#o = opts;
    this.#loop = drainLoop(
      () => this.#runBatch(),
      (err) => {
        // The database restarting is no bug: the rows wait and the next poll takes them.
        if (isConnectionError(err))
          opts.logger.warn({ err }, 'booking worker: database unavailable; retrying next poll');
        else opts.logger.error({ err }, 'booking worker run failed');
      },
    );
  }

  start(): void {
    this.#poll = setInterval(() => this.kick(), this.#o.pollMs);
    this.#poll.unref();
    this.kick();
  }

  /** Looks for due bookings now: of `tbl` (a parcel of it was just recorded), or of every kind. */
  kick(tbl?: ParcelTable): void {
    for (const t of tbl ? [tbl] : TABLES) this.#look.add(t);
    this.#loop.wake();
  }

  async stop(): Promise<void> {
    clearInterval(this.#poll);
    await this.#loop.stop();
  }

  async #runBatch(): Promise<number> {
    const { orm, leaseMs } = this.#o;
    const limit = this.#o.batchSize ?? 10;
    const tables = [...this.#look];
    this.#look.clear();
    const leased = await Promise.all(
      tables.map(async (tbl) => {
        const rows = await leaseDueBookings(orm.em.fork(), tbl, leaseMs, limit);
        // A full batch may have left more due parcels: the drain looks again. A short one took every
        // due parcel not locked (one locked is being leased, recorded or cancelled elsewhere), so a
        // look now would find nothing: it was an UPDATE per wake, every order's. Parcels that fall due
        // later come with their wake (a commit, a retry's timer) or the poll.
        if (rows.length === limit) this.#look.add(tbl);
        return rows.map((row) => ({ tbl, row }));
      }),
    ).then((all) => all.flat());
    await Promise.all(leased.map(({ tbl, row }) => this.#book(tbl, row)));
    return leased.length;
  }

  /** Calls the carrier for a parcel leased to this process (`booking_tries` includes this call). */
  async #book(tbl: ParcelTable, row: Row): Promise<void> {
    const { orm, carrier, logger, metrics } = this.#o;
    const kind = tbl === 'shipment' ? 'outbound' : 'return';
    const parcel: CarrierParcel = {
      reference: row.id,
      kind,
      level: row.level ?? 'standard',
      from: row.from_address,
      to: row.to_address,
      weightGrams: row.weight_grams,
    };
    const outcome = await carrier.book(parcel).catch((err: unknown) => ({
      kind: 'unavailable' as const,
      detail: String((err as Error)?.message ?? err),
    }));
    metrics.bookings.inc({ kind, outcome: outcome.kind });
    if (outcome.kind === 'booked') {
      await recordBooking(orm, tbl, row, outcome.parcel);
      return;
    }
    if (outcome.kind === 'refused') {
      logger.error({ parcelId: row.id, kind, reason: outcome.reason }, 'carrier refused the booking');
      if (await recordRefusal(orm, tbl, row.id, outcome.reason)) metrics.bookingsFailed.inc({ kind });
      return;
    }
    const delay = bookingRetryDelayMs(row.booking_tries, this.#o.retryBaseMs, this.#o.retryMaxMs);
    logger.warn(
      { parcelId: row.id, kind, tries: row.booking_tries, retryInMs: delay, detail: outcome.detail },
      'carrier unavailable; booking later',
    );
    await recordUnavailable(orm, tbl, row.id, delay, outcome.detail);
    const timer = setTimeout(() => this.kick(tbl), delay + 10);
    timer.unref();
  }
}
