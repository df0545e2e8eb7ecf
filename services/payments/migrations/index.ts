import { messagingMigrations } from '@mercato/messaging';
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122010000_payments } from './Migration20261122010000_payments.ts';
import { Migration20261202010000_idempotency_key_expiry } from './Migration20261202010000_idempotency_key_expiry.ts';
import { Migration20261203030000_return_refunds } from './Migration20261203030000_return_refunds.ts';

/** In order; the messaging tables (outbox, inbox) first. */
export const migrations: MigrationObject[] = [
  ...messagingMigrations,
  { name: 'Migration20261122010000_payments', class: Migration20261122010000_payments },
  {
    name: 'Migration20261202010000_idempotency_key_expiry',
    class: Migration20261202010000_idempotency_key_expiry,
  },
  { name: 'Migration20261203030000_return_refunds', class: Migration20261203030000_return_refunds },
];
