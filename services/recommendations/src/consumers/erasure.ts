// Account erasure (user.erased): the customer's views are deleted and their orders kept only as
// anonymous baskets in the statistics (queue <exchange>.recommendations.erasure).
import type { EventHandlers, Logger } from '@mercato/messaging';
import { forgetUser } from '../use-cases/read-models.ts';

export function erasureHandlers(logger: Logger): EventHandlers {
  return {
    'user.erased': async (event, em) => {
      const forgotten = await forgetUser(em, event.data.userId);
      logger.info({ eventId: event.id, userId: event.data.userId, ...forgotten }, 'erased user forgotten');
    },
  };
}
