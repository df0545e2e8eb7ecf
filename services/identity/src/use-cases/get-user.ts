import type { EntityManager } from '@mercato/db';
import { problems } from '@mercato/kit';
import type { User } from '../persistence/entities.ts';
import { findLiveUser } from '../persistence/users.ts';

export async function getUser(em: EntityManager, id: string): Promise<User> {
  const user = await findLiveUser(em, id);
  if (!user) throw problems.notFound('No such user');
  return user;
}
