import type { EntityManager } from '@mercato/db';
import { uuidv7 } from 'uuidv7';
import {
  addAddress as addRow,
  clearOtherDefaults,
  flushDefault,
  hasAddresses,
} from '../persistence/addresses.ts';
import type { Address } from '../persistence/entities.ts';
import { currentUser } from './accounts.ts';
import { addressChanged } from './events.ts';

export interface AddressFields {
  /** the name on the parcel */
  recipient?: string;
  street: string;
  city: string;
  postalCode: string;
  country: string;
  isDefault?: boolean;
}

/** Adds an address to the caller; the first one becomes the default. Records address.changed. */
export function addAddress(em: EntityManager, userId: string, input: AddressFields): Promise<Address> {
  return em.transactional(async (tx) => {
    const user = await currentUser(tx, userId);
    const { isDefault, recipient, ...fields } = input;
    const hasAny = await hasAddresses(tx, user.id);
    const now = new Date();
    const address = addRow(tx, {
      id: uuidv7(),
      userId: user.id,
      recipient: recipient ?? null,
      ...fields,
      isDefault: isDefault ?? !hasAny,
      createdAt: now,
      updatedAt: now,
    });
    if (address.isDefault) await clearOtherDefaults(tx, address);
    await flushDefault(tx);
    // After the flush: the event carries the row's version. Committed with the row (orders' copy).
    await addressChanged(tx, address);
    return address;
  });
}
