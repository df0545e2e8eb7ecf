// POST /orders' Idempotency-Key records (@mercato/idempotency over the existing idempotency_key table):
// the first 201, status and body, per user and key. Placement reads a key's record in the statement
// that reads its prices (placement-reads.ts) and answers from it with the library's `answerOf`.
import { type Idempotency, idempotency, type StoredResponse, storedResponse } from '@mercato/idempotency';

export function placementKeys<V>(): Idempotency<StoredResponse<V>> {
  return idempotency({ answer: storedResponse<V>() });
}

/** A key's record as placementReads selects it: the fingerprint and storedResponse's columns. */
export type KeyRow = {
  fingerprint: string;
  status_code: number;
  response: unknown;
};
