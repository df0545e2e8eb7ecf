import type { EntityManager } from '@mercato/db';
import { problems, type Role } from '@mercato/kit';
import { findAddress } from '../persistence/addresses.ts';
import type { Address } from '../persistence/entities.ts';

export interface Caller {
  userId: string;
  role: Role;
}

/** A customer's view is their own addresses only: someone else's is "not found", not "forbidden". */
export async function visibleAddress(em: EntityManager, caller: Caller, id: string): Promise<Address> {
  const address = await findAddress(em, id);
  if (!address || (caller.role !== 'admin' && address.userId !== caller.userId))
    throw problems.notFound('No such address');
  return address;
}
