// orders' copy of identity's addresses, written only from address.changed (consumers/addresses.ts),
// read by placement together with the prices (placement-reads.ts). Placement asks identity
// synchronously only on a miss: an address created a moment before the order (its event not here
// yet) works as it always did, and every other order spares identity a request. The price of it: within the event's lag after an EDIT
// or a DELETE in identity, an order still gets the previous version (the copy).
// Events can arrive late or twice: an event not newer than the copy changes nothing, and a deletion
// leaves a tombstone (deleted, no text) that an older change cannot bring back.
import type { AddressChanged } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import type { OwnedAddress } from '../domain/address.ts';
import { schemaOf } from './sql.ts';

const table = (em: Pick<EntityManager, 'config'>) => `${schemaOf(em)}.address_copy`;

/** Applies address.changed to the copy when it is newer than what the copy holds. */
export async function applyAddressChange(em: EntityManager, data: AddressChanged): Promise<void> {
  if (data.deleted || !data.address) {
    await em.execute(
      `insert into ${table(em)} as c (address_id, user_id, version, deleted, updated_at)
       values (?, ?, ?, true, now())
       on conflict (address_id) do update set deleted = true, recipient = null, street = null,
         city = null, postal_code = null, country = null, version = excluded.version, updated_at = now()
       where c.version <= excluded.version`,
      [data.addressId, data.userId, data.version],
    );
    return;
  }
  const a = data.address;
  await em.execute(
    `insert into ${table(em)} as c
       (address_id, user_id, version, deleted, recipient, street, city, postal_code, country, updated_at)
     values (?, ?, ?, false, ?, ?, ?, ?, ?, now())
     on conflict (address_id) do update set user_id = excluded.user_id, version = excluded.version,
       deleted = false, recipient = excluded.recipient, street = excluded.street, city = excluded.city,
       postal_code = excluded.postal_code, country = excluded.country, updated_at = now()
     where c.version < excluded.version`,
    [
      data.addressId,
      data.userId,
      data.version,
      a.recipient ?? null,
      a.street,
      a.city,
      a.postalCode,
      a.country,
    ],
  );
}

/** Account erasure: the user's copies (tombstones too) go. Returns how many. */
export async function forgetAddressCopies(em: EntityManager, userId: string): Promise<number> {
  const rows: unknown[] = await em.execute(
    `delete from ${table(em)} where user_id = ? returning address_id`,
    [userId],
  );
  return rows.length;
}

/** The copy's columns as placementReads (persistence/placement-reads.ts) selects them. */
export interface CopyRow {
  user_id: string;
  deleted: boolean;
  recipient: string | null;
  street: string;
  city: string;
  postal_code: string;
  country: string;
}

/** What the copy says of an address: the address, 'deleted' (a tombstone), or undefined (no row). */
export type CopiedAddress = OwnedAddress | 'deleted' | undefined;

export function copiedAddress(row: CopyRow | undefined): CopiedAddress {
  if (!row) return undefined;
  if (row.deleted) return 'deleted';
  return {
    userId: row.user_id,
    address: {
      ...(row.recipient ? { name: row.recipient } : {}),
      street: row.street,
      city: row.city,
      postalCode: row.postal_code,
      country: row.country.trim(),
    },
  };
}

/** Only a uuid can be in the copy (the column's type); anything else is asked of identity. */
export const COPYABLE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const addressCopyTable = table;
