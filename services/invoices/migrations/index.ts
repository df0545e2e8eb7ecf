import { messagingMigrations } from '@mercato/messaging';
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122020000_invoices } from './Migration20261122020000_invoices.ts';
import { Migration20261203020000_download_token } from './Migration20261203020000_download_token.ts';
import { Migration20261203060000_shipping_line } from './Migration20261203060000_shipping_line.ts';
import { Migration20261203060100_credit_notes } from './Migration20261203060100_credit_notes.ts';

/** In order; the messaging tables (outbox, inbox) first. */
export const migrations: MigrationObject[] = [
  ...messagingMigrations,
  { name: 'Migration20261122020000_invoices', class: Migration20261122020000_invoices },
  { name: 'Migration20261203020000_download_token', class: Migration20261203020000_download_token },
  { name: 'Migration20261203060000_shipping_line', class: Migration20261203060000_shipping_line },
  { name: 'Migration20261203060100_credit_notes', class: Migration20261203060100_credit_notes },
];
