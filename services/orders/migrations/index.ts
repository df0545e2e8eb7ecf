import { messagingMigrations } from '@mercato/messaging';
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000000_orders } from './Migration20261122000000_orders.ts';
import { Migration20261201000000_payment_retry } from './Migration20261201000000_payment_retry.ts';
import { Migration20261202000000_idempotency_key_expiry } from './Migration20261202000000_idempotency_key_expiry.ts';
import { Migration20261202010000_shipping_address } from './Migration20261202010000_shipping_address.ts';
import { Migration20261203020000_personal_data_erasure } from './Migration20261203020000_personal_data_erasure.ts';
import { Migration20261203030000_address_copy } from './Migration20261203030000_address_copy.ts';
import { Migration20261203040000_shipping_line } from './Migration20261203040000_shipping_line.ts';

/** In order; the messaging tables (outbox, inbox) first. */
export const migrations: MigrationObject[] = [
  ...messagingMigrations,
  { name: 'Migration20261122000000_orders', class: Migration20261122000000_orders },
  { name: 'Migration20261201000000_payment_retry', class: Migration20261201000000_payment_retry },
  {
    name: 'Migration20261202000000_idempotency_key_expiry',
    class: Migration20261202000000_idempotency_key_expiry,
  },
  { name: 'Migration20261202010000_shipping_address', class: Migration20261202010000_shipping_address },
  {
    name: 'Migration20261203020000_personal_data_erasure',
    class: Migration20261203020000_personal_data_erasure,
  },
  { name: 'Migration20261203030000_address_copy', class: Migration20261203030000_address_copy },
  { name: 'Migration20261203040000_shipping_line', class: Migration20261203040000_shipping_line },
];
