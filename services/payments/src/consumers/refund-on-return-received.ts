// return.received → refund the returned lines' paid amount (refundReturnedLines); the worker is woken
// once the refund is committed. What is not refunded, or not in full, is logged for the people who
// settle it by hand.
import type { ReturnReceived } from '@mercato/contracts';
import type { AfterCommit } from '@mercato/db';
import type { EventHandler, Logger } from '@mercato/messaging';
import { refundReturnedLines } from '../use-cases/refund-returned-lines.ts';

export function refundOnReturnReceived(opts: {
  logger: Logger;
  afterCommit: AfterCommit;
  onRecorded: () => void;
}): EventHandler<ReturnReceived, 'return.received'> {
  const { logger } = opts;
  return async (event, em) => {
    const { returnId, orderId, refund } = event.data;
    const recorded = await refundReturnedLines(em, event.data, event.id);
    switch (recorded.kind) {
      case 'recorded':
        if (recorded.capped)
          logger.warn(
            { returnId, orderId, requested: refund, refunded: recorded.refund.amount },
            'return refund capped to what is left of the capture',
          );
        // Woken once the refund row is committed, so the worker finds it.
        opts.afterCommit(em, opts.onRecorded);
        return;
      case 'not_captured':
        logger.warn(
          { returnId, orderId, refund },
          'return.received for an order without a capture: nothing refunded',
        );
        return;
      case 'none':
        logger.warn(
          { returnId, orderId, paymentId: recorded.paymentId, refund, reason: recorded.reason },
          'return.received: nothing refunded',
        );
        return;
      case 'seen':
        return;
    }
  };
}
