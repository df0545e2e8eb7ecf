// Reading the records: customers see their own, admins everyone's; another's is 404 (no leak).
import type { MikroORM } from '@mercato/db';
import { type AuthUser, problems } from '@mercato/kit';
import {
  findNotification,
  listNotifications,
  type NotificationRow,
  type NotificationStatus,
} from '../persistence/notifications.ts';

export interface ListQuery {
  page: number;
  pageSize: number;
  userId?: string;
  status?: NotificationStatus;
  template?: string;
}

export async function listFor(
  orm: MikroORM,
  user: AuthUser,
  q: ListQuery,
): Promise<{ items: NotificationRow[]; total: number }> {
  // A customer's list is always their own: a userId naming someone else finds nothing.
  const userId = user.role === 'admin' ? q.userId : user.sub;
  if (user.role !== 'admin' && q.userId !== undefined && q.userId !== user.sub)
    return { items: [], total: 0 };
  return listNotifications(
    orm.em.fork(),
    { userId, status: q.status, template: q.template },
    { limit: q.pageSize, offset: (q.page - 1) * q.pageSize },
  );
}

export async function getFor(orm: MikroORM, user: AuthUser, id: string): Promise<NotificationRow> {
  const row = await findNotification(orm.em.fork(), id);
  if (!row || (user.role !== 'admin' && row.user_id !== user.sub))
    throw problems.notFound('No such notification');
  return row;
}
