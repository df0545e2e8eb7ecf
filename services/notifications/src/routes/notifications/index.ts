// /notifications: the mail records (own; admins all), the templates and their preview (admins), the
// customer's preferences, and the one-click unsubscribe of marketing mail.
import {
  type App,
  adminOnly,
  assertIfMatch,
  bearer,
  errorResponses,
  etag,
  IdParam,
  IfMatchHeader,
  problems,
} from '@mercato/kit';
import { Type } from 'typebox';
import {
  ListNotificationsQuery,
  NotificationDetail,
  NotificationPage,
  Preferences,
  PreferencesPatch,
  PreviewQuery,
  TemplateList,
  TemplateParams,
  UnsubscribeParams,
} from './schemas.ts';
import { toNotificationDetail, toNotificationView } from './view.ts';

export default async function notificationsRoutes(app: App) {
  // The one route without a token: the unsubscribe link in a marketing mail (RFC 8058 one-click).
  // Mail clients POST it with the form body `List-Unsubscribe=One-Click`: accepted (and not needed).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );
  app.post(
    '/unsubscribe/:code',
    {
      schema: {
        summary: 'Unsubscribe from marketing mail (the one-click link of List-Unsubscribe)',
        description:
          'The code identifies the mailbox; an unknown code is 404. Marketing mail stops; transactional mail continues.',
        params: UnsubscribeParams,
        'x-mercato-access': 'public',
        response: { 204: Type.Null(), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      if (!(await app.notifications.unsubscribe(request.params.code)))
        throw problems.notFound('Unknown unsubscribe code');
      reply.code(204);
    },
  );

  await app.register(async (authed: App) => {
    // Authentication before validation: an anonymous caller learns nothing about the request shape.
    authed.addHook('onRequest', app.authenticate);

    authed.get(
      '',
      {
        schema: {
          summary: 'Mail sent to you, or to anyone for an admin; newest first',
          description:
            "A customer sees their own mail; an admin sees everyone's and may filter by userId. status and template filter both.",
          security: bearer,
          querystring: ListNotificationsQuery,
          response: { 200: NotificationPage, ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const { page = 1, pageSize = 20, userId, status, template } = request.query;
        const { items, total } = await app.notifications.list(request.user, {
          page,
          pageSize,
          userId,
          status,
          template,
        });
        return { items: items.map(toNotificationView), page, pageSize, total };
      },
    );

    authed.get(
      '/templates',
      {
        onRequest: adminOnly,
        schema: {
          summary: 'The mail templates (admin)',
          description:
            'Every template with its kind: transactional (always sent) or marketing (opt-in, with unsubscribe headers).',
          security: bearer,
          response: { 200: TemplateList, ...errorResponses(401, 403) },
        },
      },
      async () => ({ items: app.notifications.templates.list() }),
    );

    authed.get(
      '/templates/:name/preview',
      {
        onRequest: adminOnly,
        schema: {
          summary: 'A template rendered with sample data (admin)',
          description:
            'format=html (default) answers text/html, format=text text/plain; the subject is in the X-Mail-Subject header.',
          security: bearer,
          params: TemplateParams,
          querystring: PreviewQuery,
          produces: ['text/html', 'text/plain'],
          response: {
            200: Type.String({ description: 'the rendered body' }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        const { templates } = app.notifications;
        const { name } = request.params;
        if (!templates.has(name)) throw problems.notFound(`No template ${name}`);
        const rendered = templates.render(name, {
          ...templates.sample(name),
          ...(templates.kind(name) === 'marketing'
            ? { unsubscribeUrl: 'https://example.invalid/notifications/unsubscribe/sample-unsubscribe-code' }
            : {}),
        });
        const text = request.query.format === 'text';
        return reply
          .type(text ? 'text/plain; charset=utf-8' : 'text/html; charset=utf-8')
          .header('x-mail-subject', encodeURIComponent(rendered.subject))
          .send(text ? rendered.text : rendered.html);
      },
    );

    authed.get(
      '/preferences',
      {
        schema: {
          summary: 'Your mail preferences',
          description:
            'Marketing mail is off until turned on; transactional mail is always on. The ETag is for PATCH.',
          security: bearer,
          'x-mercato-access': 'self',
          response: { 200: Preferences, ...errorResponses(401) },
        },
      },
      async (request, reply) => {
        const p = await app.notifications.preferences(request.user.sub);
        reply.header('etag', etag(p.version));
        return { marketing: p.marketing, transactional: p.transactional };
      },
    );

    authed.patch(
      '/preferences',
      {
        schema: {
          summary: 'Turn marketing mail on or off (transactional mail cannot be turned off)',
          description:
            '{"transactional": false} is 422 transactional-mail-required; a stale If-Match is 412.',
          security: bearer,
          'x-mercato-access': 'self',
          headers: IfMatchHeader,
          body: PreferencesPatch,
          response: { 200: Preferences, ...errorResponses(400, 401, 412, 422) },
        },
      },
      async (request, reply) => {
        const p = await app.notifications.changePreferences(request.user.sub, request.body, (version) =>
          assertIfMatch(request, version),
        );
        reply.header('etag', etag(p.version));
        return { marketing: p.marketing, transactional: p.transactional };
      },
    );

    authed.get(
      '/:id',
      {
        schema: {
          summary: 'One mail: its status, the SMTP reply, tries and text',
          description: "Your own, or anyone's for an admin; another customer's is 404.",
          security: bearer,
          params: IdParam,
          response: { 200: NotificationDetail, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => toNotificationDetail(await app.notifications.get(request.user, request.params.id)),
    );
  });
}
