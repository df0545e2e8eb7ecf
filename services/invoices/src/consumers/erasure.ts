// Account erasure announced by identity: see use-cases/erase-customer-data.ts for what goes and what stays.
import type { EventHandlers, Logger } from '@mercato/messaging';
import { eraseCustomerData } from '../use-cases/erase-customer-data.ts';

export function erasureHandlers(logger: Logger): EventHandlers {
  return {
    'user.erased': (event, em) => eraseCustomerData(em, event, logger),
  };
}
