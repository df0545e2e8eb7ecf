// AUTO_ADVANCE_MS > 0 (`npm start`): every booked parcel walks picked_up → in_transit →
// out_for_delivery → delivered, one step each pass, so an order placed locally ships and arrives with
// nobody pushing events by hand. A parcel with an exception stops walking. Events it makes are
// delivered like those made by hand (once; a failed delivery is only logged).
import { type Periodic, startPeriodic } from '@mercato/kit';
import type { FastifyBaseLogger } from 'fastify';
import type { ParcelBook } from '../domain/parcels.ts';
import type { WebhookSender } from './webhooks.ts';

export function startAutoAdvance(opts: {
  intervalMs: number;
  book: ParcelBook;
  webhooks: WebhookSender;
  log: FastifyBaseLogger;
}): Periodic {
  const { book, webhooks } = opts;
  return startPeriodic(
    opts.intervalMs,
    async (stopped) => {
      const steps = book.walking().map((trackingNumber) => {
        const status = book.nextWalkStep(trackingNumber);
        return status ? book.addEvent(trackingNumber, { status }) : undefined;
      });
      if (stopped()) return;
      await Promise.all(steps.map((record) => record && webhooks.deliver(record)));
    },
    (err) => opts.log.error({ err }, 'auto-advance pass failed'),
  );
}
