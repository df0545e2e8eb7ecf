import type { App } from '@mercato/kit';
import { eventView } from '../parcels/view.ts';
import { EventIdParams } from './schemas.ts';

export default async function eventsRoutes(app: App) {
  app.post(
    '/:eventId/redeliver',
    {
      schema: {
        summary:
          'Send an event again, as a carrier redelivers: the same body, a fresh timestamp and signature',
        description:
          "200 { event, delivery } as for a new event; the receiver must take it as the same event (same eventId). 404 { error: 'no_such_event' }.",
        params: EventIdParams,
      },
    },
    async (request, reply) => {
      const record = app.parcelBook.event(request.params.eventId);
      if (!record) return reply.code(404).send({ error: 'no_such_event' });
      const delivery = await app.webhooks.deliver(record);
      return { event: eventView(record), delivery };
    },
  );
}
