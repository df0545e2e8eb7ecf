// Stock hoarding (issue 9): an order whose payment was declined keeps its hold while the customer may
// pay again, but only as long as nobody else needs the stock. When an order cannot be served, the
// holds of declined orders on the short products are given back (the oldest decline first, each
// order's hold whole, only if together they cover the shortfall) and each such order is told
// stock.rejected: orders cancels it (out_of_stock). A retry in progress (payment.retry_started) is
// never reclaimed.
import type { StockRejected } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { type Envelope, envelope } from '@mercato/messaging';
import { reservedDeltas, type ShortLine } from '../domain/allocation.ts';
import { reservedOnly } from '../domain/stock-changes.ts';
import { type DeclinedHold, declinedHoldsOf, stillDeclined } from '../persistence/declined-holds.ts';
import { tryLockOrder } from '../persistence/stock-ledger.ts';
import { SOURCE, stockReleased } from './events.ts';
import { type LedgerDeps, optimistically } from './ledger.ts';

export const RECLAIMED = 'reclaimed_after_declined_payment';

/** Which declined holds, taken in order, cover every short line; none if they cannot. Pure. */
export function pickDeclinedHolds(
  shortLines: readonly ShortLine[],
  holds: readonly DeclinedHold[],
): DeclinedHold[] {
  const missing = new Map(shortLines.map((l) => [l.productId, l.requested - l.available]));
  const picked: DeclinedHold[] = [];
  for (const hold of holds) {
    if ([...missing.values()].every((m) => m <= 0)) break;
    if (!hold.lines.some((l) => (missing.get(l.productId) ?? 0) > 0)) continue;
    picked.push(hold);
    for (const l of hold.lines) {
      if (missing.has(l.productId)) missing.set(l.productId, missing.get(l.productId)! - l.quantity);
    }
  }
  return [...missing.values()].every((m) => m <= 0) ? picked : [];
}

/**
 * In the reserving order's transaction: gives back enough declined holds to cover `shortLines`, or
 * nothing. Returns how many orders lost their hold.
 */
export async function reclaimDeclinedHolds(
  em: EntityManager,
  input: { orderId: string; shortLines: readonly ShortLine[]; causationId: string },
  deps: LedgerDeps,
): Promise<number> {
  const candidates = await declinedHoldsOf(
    em,
    input.shortLines.map((l) => l.productId),
    input.orderId,
  );
  if (candidates.length === 0) return 0;
  // Only holds this transaction can lock now and that are still declined once locked.
  const available: DeclinedHold[] = [];
  for (const hold of pickDeclinedHolds(input.shortLines, candidates)) {
    if ((await tryLockOrder(em, hold.orderId)) && (await stillDeclined(em, hold.reservationId)))
      available.push(hold);
  }
  const victims = pickDeclinedHolds(input.shortLines, available);
  if (victims.length === 0) return 0;

  const lines = victims.flatMap((v) => v.lines);
  const events: Envelope[] = victims.flatMap((v) => {
    const data: StockRejected = {
      orderId: v.orderId,
      userId: v.userId,
      revision: v.revision,
      shortLines: v.lines.map((l) => ({ productId: l.productId, requested: l.quantity, available: 0 })),
    };
    const meta = { source: SOURCE, correlationId: v.orderId, causationId: input.causationId };
    return [envelope('stock.rejected', data, meta), stockReleased(v.orderId, RECLAIMED, input.causationId)];
  });
  await optimistically(
    em,
    deps,
    lines.map((l) => l.productId),
    () => ({
      changes: reservedOnly(reservedDeltas(lines, [])),
      outcome: null,
      events,
      statusChange: {
        reservationIds: victims.map((v) => v.reservationId),
        status: 'RELEASED',
        reason: RECLAIMED,
      },
    }),
  );
  return victims.length;
}
