import type { EntityManager } from '@mercato/db';
import type { Address } from '../persistence/entities.ts';
import { type Caller, visibleAddress } from './address-access.ts';

export function getAddress(em: EntityManager, caller: Caller, id: string): Promise<Address> {
  return visibleAddress(em, caller, id);
}
