import type { EntityManager } from '@mercato/db';
import { clearOtherDefaults, flushDefault } from '../persistence/addresses.ts';
import type { Address } from '../persistence/entities.ts';
import { withVersionCheck } from '../persistence/version-check.ts';
import type { AddressFields } from './add-address.ts';
import { type Caller, visibleAddress } from './address-access.ts';
import { addressChanged } from './events.ts';

/** Replaces an address. `assertVersion` is the caller's precondition on the row version (If-Match). */
export function replaceAddress(
  em: EntityManager,
  caller: Caller,
  id: string,
  input: AddressFields,
  assertVersion: (version: number) => void,
): Promise<Address> {
  return withVersionCheck(() =>
    em.transactional(async (tx) => {
      const address = await visibleAddress(tx, caller, id);
      assertVersion(address.version);
      const { isDefault, recipient, ...fields } = input;
      Object.assign(address, fields);
      // A replacement: a body without a recipient clears it (the old name must not ride along).
      address.recipient = recipient ?? null;
      // Omitting the flag keeps it: a client editing the street should not lose its default.
      if (isDefault !== undefined) address.isDefault = isDefault;
      address.updatedAt = new Date();
      if (address.isDefault) await clearOtherDefaults(tx, address);
      await flushDefault(tx);
      // After the flush: the event carries the new row version. Committed with the change.
      await addressChanged(tx, address);
      return address;
    }),
  );
}
