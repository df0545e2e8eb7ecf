import type { EntityManager } from '@mercato/db';
import { listAddresses as queryAddresses } from '../persistence/addresses.ts';
import type { Address } from '../persistence/entities.ts';
import type { Caller } from './address-access.ts';

/** A customer's own addresses; an admin's view is everyone's, or one user's with `userId`. */
export async function listAddresses(
  em: EntityManager,
  caller: Caller,
  query: { userId?: string; page: number; pageSize: number },
): Promise<{ items: Address[]; total: number }> {
  const userId = caller.role === 'admin' ? query.userId : caller.userId;
  const [items, total] = await queryAddresses(em, userId, query);
  return { items, total };
}
