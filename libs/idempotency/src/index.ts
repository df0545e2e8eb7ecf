export { type FingerprintOptions, fingerprint } from './fingerprint.ts';
export { IdempotencyMigration, idempotencyMigration } from './migration.ts';
export {
  type AnswerColumns,
  IDEMPOTENT_REPLAYED_HEADER,
  Idempotency,
  type IdempotencyOptions,
  type IdempotentRequest,
  idempotency,
  idempotentRequest,
  isUniqueViolation,
  type Outcome,
  type SqlFragment,
  type StoredResource,
  type StoredResponse,
  type SweeperOptions,
  storedResource,
  storedResponse,
} from './store.ts';
