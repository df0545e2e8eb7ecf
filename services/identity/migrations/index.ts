import { messagingMigrations } from '@mercato/messaging';
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122000000_identity } from './Migration20261122000000_identity.ts';
import { Migration20261201000000_hardening } from './Migration20261201000000_hardening.ts';
import { Migration20261202000000_address_recipient } from './Migration20261202000000_address_recipient.ts';
import { Migration20261203000000_verification_erasure } from './Migration20261203000000_verification_erasure.ts';

/** In order; the messaging tables (outbox, inbox) first. */
export const migrations: MigrationObject[] = [
  ...messagingMigrations,
  { name: 'Migration20261122000000_identity', class: Migration20261122000000_identity },
  { name: 'Migration20261201000000_hardening', class: Migration20261201000000_hardening },
  {
    name: 'Migration20261202000000_address_recipient',
    class: Migration20261202000000_address_recipient,
  },
  {
    name: 'Migration20261203000000_verification_erasure',
    class: Migration20261203000000_verification_erasure,
  },
];
