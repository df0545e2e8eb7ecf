import { type App, errorResponses, IdParam, problems } from '@mercato/kit';
import { Type } from 'typebox';
import { inboxPage, messagePage } from './page.ts';

export default async function inboxRoutes(app: App) {
  app.get(
    '/',
    {
      schema: {
        summary: 'The inbox, in a browser',
        produces: ['text/html'],
        response: { 200: Type.String({ description: 'text/html' }) },
      },
    },
    async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(inboxPage(await app.inbox.list(), app.inbox.capacity)),
  );

  app.get(
    '/inbox/:id',
    {
      schema: {
        summary: 'One message, in a browser',
        params: IdParam,
        produces: ['text/html'],
        response: { 200: Type.String({ description: 'text/html' }), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const message = await app.inbox.get(request.params.id);
      if (!message) throw problems.notFound(`No message ${request.params.id}`);
      return reply.type('text/html; charset=utf-8').send(messagePage(message));
    },
  );
}
