// What placement reads before it writes, in ONE statement: the prices of the order's products (the
// catalog read model), its shipping address in the copy of identity's addresses and, for a request with
// an Idempotency-Key, the key's record. Each statement is a round trip, a write on the socket and a
// transaction on the server; on this path the address in a statement of its own cost about one
// transaction in ten of a confirmed order's, and the key's lookup was one of a keyed order's three
// placement statements (issue 14).
import type { EntityManager } from '@mercato/db';
import type { KnownPrice } from '../domain/pricing.ts';
import {
  addressCopyTable,
  COPYABLE_ID,
  type CopiedAddress,
  type CopyRow,
  copiedAddress,
} from './address-copy.ts';
import type { KeyRow } from './idempotency.ts';
import { knownPrices, type PriceRow, productPriceTable } from './product-prices.ts';

export interface PlacementReads {
  prices: Map<string, KnownPrice>;
  /** undefined: the copy has not heard of the address (ask identity) */
  address: CopiedAddress;
  /** the Idempotency-Key's record; undefined: the key is new (or none was asked about) */
  key: KeyRow | undefined;
}

/** The Idempotency-Key to look up: its table (`Idempotency.qualified`) and the (user, key) it is recorded under. */
export interface KeyToRead {
  table: string;
  userId: string;
  key: string;
}

type Kind = 'price' | 'address' | 'key';
type Row = { kind: Kind } & PriceRow & CopyRow & KeyRow;

// The columns every branch of the UNION ALL selects, with their types: a branch selects its own and a
// typed null for the others (an untyped null in two branches would be taken for text, and fail to
// match the jsonb of a later one).
const COLUMNS = {
  product_id: 'uuid',
  name: 'text',
  amount: 'numeric',
  currency: 'text',
  active: 'boolean',
  user_id: 'uuid',
  deleted: 'boolean',
  recipient: 'text',
  street: 'text',
  city: 'text',
  postal_code: 'text',
  country: 'text',
  fingerprint: 'text',
  status_code: 'integer',
  response: 'jsonb',
} as const;
type Column = keyof typeof COLUMNS;

/** `select '<kind>', <own columns, null for the rest> <from …>`: one branch of the statement. */
function branch(kind: Kind, own: readonly Column[], from: string): string {
  const columns = (Object.keys(COLUMNS) as Column[]).map((c) =>
    own.includes(c) ? c : `null::${COLUMNS[c]} as ${c}`,
  );
  return `select '${kind}' as kind, ${columns.join(', ')} ${from}`;
}

export async function placementReads(
  em: EntityManager,
  productIds: string[],
  addressId: string,
  key?: KeyToRead,
): Promise<PlacementReads> {
  const branches = [
    branch(
      'price',
      ['product_id', 'name', 'amount', 'currency', 'active'],
      `from ${productPriceTable(em)} where product_id in (?) and not deleted`,
    ),
  ];
  const params: unknown[] = [productIds];
  if (COPYABLE_ID.test(addressId)) {
    branches.push(
      branch(
        'address',
        ['user_id', 'deleted', 'recipient', 'street', 'city', 'postal_code', 'country'],
        `from ${addressCopyTable(em)} where address_id = ?`,
      ),
    );
    params.push(addressId);
  }
  if (key) {
    branches.push(
      branch(
        'key',
        ['fingerprint', 'status_code', 'response'],
        `from ${key.table} where user_id = ? and key = ?`,
      ),
    );
    params.push(key.userId, key.key);
  }
  const rows: Row[] = await em.execute(branches.join('\nunion all\n'), params);
  return {
    prices: knownPrices(rows.filter((r) => r.kind === 'price')),
    address: copiedAddress(rows.find((r) => r.kind === 'address')),
    key: rows.find((r) => r.kind === 'key'),
  };
}
