// Keeps orders' copy of identity's addresses (see persistence/address-copy.ts).
import type { AddressChanged } from '@mercato/contracts';
import type { EventHandler } from '@mercato/messaging';
import { applyAddressChange } from '../persistence/address-copy.ts';

export const addressCopyHandlers: {
  'address.changed': EventHandler<AddressChanged, 'address.changed'>;
} = {
  'address.changed': (event, em) => applyAddressChange(em, event.data),
};
