import { type App, errorResponses, IdParam, problems } from '@mercato/kit';
import { Type } from 'typebox';
import { AttachmentParams, MessageDetail, MessageList, MessagesQuery } from './schemas.ts';
import { detail, sentTo, summary } from './view.ts';

export default async function messagesRoutes(app: App) {
  const find = async (id: string) => {
    const message = await app.inbox.get(id);
    if (!message) throw problems.notFound(`No message ${id} (it may have been cleared or pushed out)`);
    return message;
  };

  app.get(
    '',
    {
      schema: {
        summary: 'The caught messages, newest first',
        querystring: MessagesQuery,
        response: { 200: MessageList, ...errorResponses(400) },
      },
    },
    async (request) => {
      const { to } = request.query;
      const items = (await app.inbox.list()).filter((m) => to === undefined || sentTo(m, to));
      return { total: items.length, items: items.map(summary) };
    },
  );

  app.delete(
    '',
    { schema: { summary: 'Forget every caught message', response: { 204: Type.Null() } } },
    async (_request, reply) => {
      app.inbox.clear();
      reply.code(204);
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        summary: 'One message: headers, text, HTML and the attachments',
        params: IdParam,
        response: { 200: MessageDetail, ...errorResponses(400, 404) },
      },
    },
    async (request) => detail(await find(request.params.id)),
  );

  app.get(
    '/:id/html',
    {
      schema: {
        summary: "The message's HTML body, for a sandboxed frame",
        params: IdParam,
        produces: ['text/html'],
        response: { 200: Type.String({ description: 'text/html' }), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const message = await find(request.params.id);
      return (
        reply
          .type('text/html; charset=utf-8')
          // The mail's HTML is somebody else's: no scripts, no same-origin access, no forms.
          .header(
            'content-security-policy',
            "sandbox; default-src 'none'; img-src data: https: http:; style-src 'unsafe-inline'",
          )
          .send(message.html ?? '')
      );
    },
  );

  app.get(
    '/:id/attachments/:index',
    {
      schema: {
        summary: 'Download an attachment',
        params: AttachmentParams,
        produces: ['application/octet-stream'],
        response: {
          200: Type.Unsafe<Buffer>({
            type: 'string',
            format: 'binary',
            description: 'the attachment, with its own type',
          }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const attachment = (await find(request.params.id)).attachments[request.params.index];
      if (!attachment) throw problems.notFound(`The message has no attachment ${request.params.index}`);
      return (
        reply
          // Always a download (its own type is in GET /messages/{id}): nothing from a mail renders here.
          .type('application/octet-stream')
          .header(
            'content-disposition',
            `attachment; filename="${attachment.filename.replace(/["\\\r\n]/g, '_')}"`,
          )
          .send(attachment.content)
      );
    },
  );
}
