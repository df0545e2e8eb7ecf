// The notification use cases bound to this app's ORM and templates, as the routes call them
// (app.notifications).
import type { MikroORM } from '@mercato/db';
import type { AuthUser } from '@mercato/kit';
import fp from 'fastify-plugin';
import type { TemplateCatalog } from '../domain/templates.ts';
import { changePreferences, getPreferences, unsubscribe } from '../use-cases/preferences.ts';
import { getFor, type ListQuery, listFor } from '../use-cases/read.ts';

export function notificationUseCases(orm: MikroORM, templates: TemplateCatalog) {
  return {
    templates,
    list: (user: AuthUser, q: ListQuery) => listFor(orm, user, q),
    get: (user: AuthUser, id: string) => getFor(orm, user, id),
    preferences: (userId: string) => getPreferences(orm, userId),
    changePreferences: (
      userId: string,
      change: { marketing?: boolean; transactional?: boolean },
      checkVersion: (version: number) => void,
    ) => changePreferences(orm, userId, change, checkVersion),
    unsubscribe: (token: string) => unsubscribe(orm, token),
  };
}
export type NotificationUseCases = ReturnType<typeof notificationUseCases>;

declare module 'fastify' {
  interface FastifyInstance {
    notifications: NotificationUseCases;
  }
}

export default fp(
  async (app, opts: { templates: TemplateCatalog }) => {
    app.decorate('notifications', notificationUseCases(app.orm, opts.templates));
  },
  { name: 'notification-use-cases' },
);
