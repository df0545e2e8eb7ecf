// return.received → the return's credit note (one per returnId, whatever is redelivered).
import type { ReturnReceived } from '@mercato/contracts';
import type { EventHandler } from '@mercato/messaging';
import { issueCreditNote } from '../use-cases/issue-credit-note.ts';

export const creditOnReturnReceived: EventHandler<ReturnReceived, 'return.received'> = async (event, em) => {
  await issueCreditNote(em, event.data, event.id);
};
