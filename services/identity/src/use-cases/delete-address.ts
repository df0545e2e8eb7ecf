import type { EntityManager } from '@mercato/db';
import { removeAddress } from '../persistence/addresses.ts';
import { type Caller, visibleAddress } from './address-access.ts';
import { addressDeleted } from './events.ts';

/** `assertVersion` is the caller's precondition on the row version (If-Match). Records address.changed (deleted). */
export async function deleteAddress(
  em: EntityManager,
  caller: Caller,
  id: string,
  assertVersion: (version: number) => void,
): Promise<void> {
  await em.transactional(async (tx) => {
    const address = await visibleAddress(tx, caller, id);
    assertVersion(address.version);
    removeAddress(tx, address);
    // In the same transaction: orders' copy turns into a tombstone.
    await addressDeleted(tx, address);
  });
}
