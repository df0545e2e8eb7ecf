// The Idempotency-Key records of POST /payments and POST /payments/{id}/refunds (one store, per user):
// @mercato/idempotency over payments' existing idempotency_key table, which keeps the id of what the
// first request created (`resource_id`), rendered afresh on a replay.
// Not the provider's idempotency keys (`payment.idempotency_key`): those belong to the payments.
import { idempotency, type StoredResource, storedResource } from '@mercato/idempotency';

export const paymentKeys = idempotency<StoredResource>({ answer: storedResource });
