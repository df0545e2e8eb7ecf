import type { App } from '@mercato/kit';
import { EventBody, IdempotencyHeaders, ParcelBody, TrackingNumberParams } from './schemas.ts';
import { eventView, parcelView } from './view.ts';

// Answers like a third party: { error } bodies, not Mercato's problem+json (bad requests are the
// kit's 400 all the same). No response schemas: the kit would document such errors as problem+json.
export default async function parcelsRoutes(app: App) {
  // '' rather than '/': the path is the prefix itself, with no trailing-slash twin.
  app.post(
    '',
    {
      schema: {
        summary: 'Book a parcel',
        description:
          '201 { carrier, trackingNumber }; the same Idempotency-Key again: 200 with the same answer ' +
          "(and Idempotent-Replayed: true); to.country 'XX': 422 { error: 'unsupported_destination' }.",
        headers: IdempotencyHeaders,
        body: ParcelBody,
      },
    },
    async (request, reply) => {
      const { outcome, replayed } = app.parcelBook.book(request.headers['idempotency-key'], request.body);
      if (outcome.result === 'unsupported_destination')
        return reply.code(422).send({
          error: 'unsupported_destination',
          message: `The carrier does not deliver to ${outcome.country}`,
        });
      if (replayed) reply.header('idempotent-replayed', 'true');
      const { carrier, trackingNumber } = outcome.parcel;
      return reply.code(replayed ? 200 : 201).send({ carrier, trackingNumber });
    },
  );

  app.get(
    '/:trackingNumber',
    {
      schema: {
        summary: 'A parcel, with the tracking events sent for it and each delivery attempt',
        params: TrackingNumberParams,
      },
    },
    async (request, reply) => {
      const parcel = app.parcelBook.parcel(request.params.trackingNumber);
      if (!parcel) return reply.code(404).send({ error: 'no_such_parcel' });
      return parcelView(parcel, app.parcelBook);
    },
  );

  app.post(
    '/:trackingNumber/events',
    {
      schema: {
        summary: 'Report a tracking event: signed and POSTed to WEBHOOK_URL at once',
        description:
          '201 { event, delivery: { status, error?, headers: { carrier-signature }, body } }: the event ' +
          "(a new eventId) and the webhook's answer, with the exact request sent so it can be replayed. " +
          "A failed delivery is not retried (status null, error). 404 { error: 'no_such_parcel' }.",
        params: TrackingNumberParams,
        body: EventBody,
      },
    },
    async (request, reply) => {
      const record = app.parcelBook.addEvent(request.params.trackingNumber, request.body);
      if (!record) return reply.code(404).send({ error: 'no_such_parcel' });
      const delivery = await app.webhooks.deliver(record);
      return reply.code(201).send({ event: eventView(record), delivery });
    },
  );
}
