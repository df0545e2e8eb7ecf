import { Page, PageQuery } from '@mercato/kit';
import { type Static, Type } from 'typebox';

const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
const TemplateName = Type.String({
  pattern: '^[a-z][a-z0-9-]*$',
  maxLength: 64,
  examples: ['order-confirmed'],
});

export const Status = Type.Union(
  [Type.Literal('queued'), Type.Literal('sent'), Type.Literal('failed'), Type.Literal('suppressed')],
  {
    description:
      'queued: waiting to be sent or retried; sent: the relay accepted it; failed: given up; suppressed: not sent (opted out, or the user was erased)',
  },
);

export const NotificationView = Type.Object({
  id: Uuid,
  userId: Type.Union([Uuid, Type.Null()], { description: 'null for mail to admins' }),
  eventId: Uuid,
  eventType: Type.String(),
  template: Type.String(),
  kind: Type.Union([Type.Literal('transactional'), Type.Literal('marketing')]),
  recipient: Type.Union([Type.String(), Type.Null()], { description: 'null once the user was erased' }),
  subject: Type.Union([Type.String(), Type.Null()]),
  status: Status,
  attempts: Type.Integer({ minimum: 0 }),
  nextAttemptAt: Type.Union([DateTime, Type.Null()]),
  smtpResponse: Type.Union([Type.String(), Type.Null()], { description: "the relay's last reply" }),
  lastError: Type.Union([Type.String(), Type.Null()]),
  messageId: Type.Union([Type.String(), Type.Null()]),
  hasAttachments: Type.Boolean(),
  createdAt: DateTime,
  updatedAt: DateTime,
  sentAt: Type.Union([DateTime, Type.Null()]),
});
export type NotificationView = Static<typeof NotificationView>;

export const NotificationDetail = Type.Object({
  ...NotificationView.properties,
  text: Type.Union([Type.String(), Type.Null()], { description: 'the plain-text body; null once erased' }),
});
export type NotificationDetail = Static<typeof NotificationDetail>;

export const NotificationPage = Page(NotificationView);

export const ListNotificationsQuery = Type.Object(
  {
    ...PageQuery.properties,
    userId: Type.Optional(Type.String({ format: 'uuid', description: "admins: one user's mail" })),
    status: Type.Optional(Status),
    template: Type.Optional(TemplateName),
  },
  { additionalProperties: false },
);

export const TemplateList = Type.Object({
  items: Type.Array(
    Type.Object({
      name: Type.String(),
      kind: Type.Union([Type.Literal('transactional'), Type.Literal('marketing')]),
      description: Type.String(),
    }),
  ),
});

export const TemplateParams = Type.Object({ name: TemplateName });
export const PreviewQuery = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal('html'), Type.Literal('text')], { default: 'html' })) },
  { additionalProperties: false },
);

export const Preferences = Type.Object({
  marketing: Type.Boolean({ description: 'news and offers (none are sent yet); off unless turned on' }),
  transactional: Type.Literal(true, {
    description: 'mail about your account, orders and invoices: always on',
  }),
});

export const PreferencesPatch = Type.Object(
  {
    marketing: Type.Optional(Type.Boolean()),
    transactional: Type.Optional(
      Type.Boolean({ description: 'only true is accepted: false is 422 transactional-mail-required' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const UnsubscribeParams = Type.Object({
  code: Type.String({
    pattern: '^[A-Za-z0-9_-]{16,200}$',
    description: "the mailbox's unsubscribe code, from the List-Unsubscribe header of a marketing mail",
  }),
});
