// POST /carts/me/checkout's Idempotency-Key records (@mercato/idempotency, storedResponse layout):
// the first 201, status and body, per user and key.
import { type Idempotency, idempotency, type StoredResponse, storedResponse } from '@mercato/idempotency';

export function checkoutKeys<V>(): Idempotency<StoredResponse<V>> {
  return idempotency({ answer: storedResponse<V>() });
}
