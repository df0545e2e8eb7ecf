import type { EntityManager } from '@mercato/db';
import type { User } from '../persistence/entities.ts';
import { listUsers as queryUsers, type UserFilter } from '../persistence/users.ts';

/** Admins list users, filtered by role, active flag and e-mail substring. */
export async function listUsers(
  em: EntityManager,
  filter: UserFilter,
  page: { page: number; pageSize: number },
): Promise<{ items: User[]; total: number }> {
  const [items, total] = await queryUsers(em, filter, page);
  return { items, total };
}
