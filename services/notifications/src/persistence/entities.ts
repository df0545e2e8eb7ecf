// The notification service's tables as the ORM knows them (no `schema`: the ORM's setting applies).
// Reads and writes go through the hand-written SQL of notifications.ts and read-models.ts (SKIP
// LOCKED claims, upserts): the entities give the ORM the tables' shape.
import { messagingEntities } from '@mercato/messaging';
import { defineEntity, p } from '@mikro-orm/core';

export const NotificationSchema = defineEntity({
  name: 'Notification',
  tableName: 'notification',
  properties: {
    id: p.uuid().primary(),
    userId: p.uuid().nullable(),
    eventId: p.uuid(),
    eventType: p.string().columnType('text'),
    template: p.string().columnType('text'),
    kind: p.string().columnType('text'),
    recipient: p.string().columnType('text').nullable(),
    subject: p.string().columnType('text').nullable(),
    html: p.string().columnType('text').nullable(),
    text: p.string().columnType('text').nullable(),
    attachments: p.json<unknown[]>(),
    headers: p.json<Record<string, string>>(),
    status: p.string().columnType('text'),
    attempts: p.integer(),
    nextAttemptAt: p.datetime().columnType('timestamptz').nullable(),
    smtpResponse: p.string().columnType('text').nullable(),
    lastError: p.string().columnType('text').nullable(),
    messageId: p.string().columnType('text').nullable(),
    eraseAfterSend: p.boolean(),
    createdAt: p.datetime().columnType('timestamptz'),
    updatedAt: p.datetime().columnType('timestamptz'),
    sentAt: p.datetime().columnType('timestamptz').nullable(),
  },
});

export const UserContactSchema = defineEntity({
  name: 'UserContact',
  tableName: 'user_contact',
  properties: {
    userId: p.uuid().primary(),
    email: p.string().columnType('text').nullable(),
    username: p.string().columnType('text').nullable(),
    name: p.string().columnType('text').nullable(),
    erased: p.boolean(),
    updatedAt: p.datetime().columnType('timestamptz'),
  },
});

export const PreferenceSchema = defineEntity({
  name: 'Preference',
  tableName: 'preference',
  properties: {
    userId: p.uuid().primary(),
    marketing: p.boolean(),
    unsubscribeToken: p.string().columnType('text').unique(),
    version: p.integer(),
    updatedAt: p.datetime().columnType('timestamptz'),
  },
});

export const OrderViewSchema = defineEntity({
  name: 'OrderView',
  tableName: 'order_view',
  properties: {
    orderId: p.uuid().primary(),
    userId: p.uuid(),
    totalAmount: p.decimal('string').precision(16).scale(4),
    currency: p.string().columnType('char(3)'),
    lines: p.json<unknown[]>(),
    placedAt: p.datetime().columnType('timestamptz'),
  },
});

export const entities = [
  NotificationSchema,
  UserContactSchema,
  PreferenceSchema,
  OrderViewSchema,
  ...messagingEntities,
];
