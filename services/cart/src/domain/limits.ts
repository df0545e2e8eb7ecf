// What one cart may hold (bounded like an order, so a cart can always be checked out as one order
// and one request cannot grow a row without end). Pure: the use cases turn a violation into a 422.
export interface CartLimits {
  /** CART_MAX_LINES */
  maxLines: number;
  /** CART_MAX_LINE_QUANTITY */
  maxLineQuantity: number;
}

export type CartLimitViolation =
  | { kind: 'too_many_lines'; maxLines: number }
  | { kind: 'quantity_too_large'; productId: string; quantity: number; maxQuantity: number };

/** Adding `quantity` of a product to a cart that holds `lines` lines (`current` of this product). */
export function addViolation(
  limits: CartLimits,
  lines: number,
  productId: string,
  current: number | undefined,
  quantity: number,
): CartLimitViolation | null {
  if (current === undefined && lines >= limits.maxLines)
    return { kind: 'too_many_lines', maxLines: limits.maxLines };
  const next = (current ?? 0) + quantity;
  if (next > limits.maxLineQuantity)
    return { kind: 'quantity_too_large', productId, quantity: next, maxQuantity: limits.maxLineQuantity };
  return null;
}

export function describeViolation(v: CartLimitViolation): string {
  switch (v.kind) {
    case 'too_many_lines':
      return `A cart holds at most ${v.maxLines} lines; remove one first`;
    case 'quantity_too_large':
      return `A line holds at most ${v.maxQuantity} units; this one would hold ${v.quantity}`;
  }
}
