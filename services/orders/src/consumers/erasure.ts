// Account erasure announced by identity: the user's orders lose their personal data, and the copy of
// the user's addresses goes (identity also announces each address's deletion; either one suffices).
import type { EventHandlers, Logger } from '@mercato/messaging';
import { forgetAddressCopies } from '../persistence/address-copy.ts';
import { eraseCustomerData } from '../use-cases/erase-customer-data.ts';

export function erasureHandlers(logger: Logger): EventHandlers {
  return {
    'user.erased': async (event, em) => {
      await eraseCustomerData(em, event, logger);
      await forgetAddressCopies(em, event.data.userId);
    },
  };
}
