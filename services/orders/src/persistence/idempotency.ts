// POST /orders' Idempotency-Key records (@mercato/idempotency over the existing idempotency_key table):
// the first 201, status and body, per user and key.
import { type Idempotency, idempotency, type StoredResponse, storedResponse } from '@mercato/idempotency';

export function placementKeys<V>(): Idempotency<StoredResponse<V>> {
  return idempotency({ answer: storedResponse<V>() });
}
