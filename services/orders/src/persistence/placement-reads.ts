// What placement reads before it writes, in ONE statement: the prices of the order's products (the
// catalog read model) and its shipping address in the copy of identity's addresses. Each statement is
// a round trip, a write on the socket and a transaction on the server; on this path the address in a
// statement of its own cost about one transaction in ten of a confirmed order's.
import type { EntityManager } from '@mercato/db';
import type { KnownPrice } from '../domain/pricing.ts';
import {
  addressCopyTable,
  COPYABLE_ID,
  type CopiedAddress,
  type CopyRow,
  copiedAddress,
} from './address-copy.ts';
import { knownPrices, type PriceRow, productPriceTable } from './product-prices.ts';

export interface PlacementReads {
  prices: Map<string, KnownPrice>;
  /** undefined: the copy has not heard of the address (ask identity) */
  address: CopiedAddress;
}

type Row = { kind: 'price' | 'address' } & PriceRow & CopyRow;

export async function placementReads(
  em: EntityManager,
  productIds: string[],
  addressId: string,
): Promise<PlacementReads> {
  const withAddress = COPYABLE_ID.test(addressId);
  const rows: Row[] = await em.execute(
    `select 'price' as kind, product_id, name, amount, currency, active, null::uuid as user_id,
       null::boolean as deleted, null::text as recipient, null::text as street, null::text as city,
       null::text as postal_code, null::text as country
     from ${productPriceTable(em)} where product_id in (?) and not deleted
     ${
       withAddress
         ? `union all
     select 'address', null, null, null, null, null, user_id, deleted, recipient, street, city,
       postal_code, country
     from ${addressCopyTable(em)} where address_id = ?`
         : ''
     }`,
    withAddress ? [productIds, addressId] : [productIds],
  );
  return {
    prices: knownPrices(rows.filter((r) => r.kind === 'price')),
    address: copiedAddress(rows.find((r) => r.kind === 'address')),
  };
}
