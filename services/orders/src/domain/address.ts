// The shipping address as the order keeps it: a snapshot taken when the order is placed, so that
// editing or deleting the address in identity later changes neither the order nor its invoice.
// Orders does not own addresses: it asks an AddressBook at placement (in production its event-fed copy
// of identity's addresses, and identity's API for an address the copy has not heard of yet).

/** recipient (as `name`), street, city, postal code and country, as order.placed carries them
 * (the contracts' Address). */
export interface ShippingAddress {
  name?: string;
  street: string;
  city: string;
  postalCode: string;
  /** ISO 3166-1 alpha-2 */
  country: string;
}

/** An address as the book knows it: whose it is, and what it says now. */
export interface OwnedAddress {
  userId: string;
  address: ShippingAddress;
}

/** Who asks: the token's subject, and the token itself so the book can ask as the caller. */
export interface AddressCaller {
  sub: string;
  authorization?: string;
}

export interface AddressBook {
  /**
   * The address `id` as it is now, or undefined when the book does not know it (or does not show it
   * to this caller). Throws a 503 HttpProblem when it cannot answer. Whose it is, is the caller's
   * check (`usableAddress`): the book may show an admin anyone's.
   */
  find(caller: AddressCaller, id: string): Promise<OwnedAddress | undefined>;
}

/** The snapshot for the order when the address is the caller's own; otherwise undefined. */
export function usableAddress(found: OwnedAddress | undefined, userId: string): ShippingAddress | undefined {
  // Even an admin orders to their own addresses only: an order ships to its customer.
  if (!found || found.userId !== userId) return undefined;
  return found.address;
}
