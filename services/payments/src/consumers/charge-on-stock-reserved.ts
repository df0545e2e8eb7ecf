// stock.reserved → a pending charge for that order revision (recordCharge). The provider is called by
// the ProviderWorker after this transaction commits (see workers/provider-worker.ts for why, and for
// how redelivery stays harmless at every step).
import type { StockReserved } from '@mercato/contracts';
import type { AfterCommit } from '@mercato/db';
import type { EventHandler, Logger } from '@mercato/messaging';
import { recordCharge } from '../use-cases/record-charge.ts';
import type { ProviderWorker } from '../workers/provider-worker.ts';

export function chargeOnStockReserved(opts: {
  logger: Logger;
  worker: ProviderWorker;
  afterCommit: AfterCommit;
}): EventHandler<StockReserved, 'stock.reserved'> {
  const { worker } = opts;
  return async (event, em) => {
    // The row is normally inserted already leased to this process's worker and handed to it at
    // commit: no poll, no lease query. Without room in the worker (lease 0) it is left due for the
    // poll.
    const leaseMs = worker.takesHandOff() ? worker.leaseMs : 0;
    const recorded = await recordCharge(em, event.data, event.id, leaseMs);
    switch (recorded.kind) {
      case 'leased':
        opts.afterCommit(em, () => worker.handOff(recorded.payment));
        return;
      case 'due':
        // Woken once this transaction has committed, so the worker finds the row (a fixed delay
        // lost that race on a loaded machine and left the row to the next poll).
        opts.afterCommit(em, () => worker.kick());
        return;
      case 'cancelled':
        opts.logger.info(
          { orderId: event.data.orderId },
          'stock.reserved for a cancelled order: not charged',
        );
        return;
      case 'seen':
        return;
    }
  };
}
