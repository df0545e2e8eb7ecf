// The order status machine (DESIGN.md): PENDING → CONFIRMED → SHIPPED → DELIVERED, and CANCELLED
// from PENDING or CONFIRMED. The orders service is the authority on status, so every change of it,
// from HTTP or from an event, goes through `assertTransition`.

export const ORDER_STATUSES = ['PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

const NEXT: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING: ['CONFIRMED', 'CANCELLED'],
  CONFIRMED: ['SHIPPED', 'CANCELLED'],
  SHIPPED: ['DELIVERED'],
  DELIVERED: [],
  CANCELLED: [],
};

export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError';
  constructor(
    readonly from: OrderStatus,
    readonly to: OrderStatus,
  ) {
    super(`An order cannot go from ${from} to ${to}`);
  }
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return NEXT[from].includes(to);
}

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

export function isTerminal(status: OrderStatus): boolean {
  return NEXT[status].length === 0;
}

/** The customer may cancel until the order ships. */
export function isCancellable(status: OrderStatus): boolean {
  return canTransition(status, 'CANCELLED');
}

/** Lines can change only before inventory and payments have acted on a final version of them. */
export function linesEditable(status: OrderStatus): boolean {
  return status === 'PENDING';
}
