// Account erasure announced by identity: the user's cart is deleted (queue <exchange>.cart.erasure).
import type { EventHandlers, Logger } from '@mercato/messaging';
import { eraseCustomerData } from '../use-cases/erase-customer-data.ts';

export function erasureHandlers(logger: Logger): EventHandlers {
  return {
    'user.erased': (event, em) => eraseCustomerData(em, event, logger),
  };
}
