import { normalizeAmount } from '@mercato/contracts';
import type { StoredQuote } from '../../persistence/quotes.ts';
import type { StoredRateTable } from '../../persistence/rates.ts';
import type { QuoteView, RateTableView } from './schemas.ts';

export function toQuoteView(q: StoredQuote): QuoteView {
  return {
    quoteId: q.id,
    destination: { country: q.country, ...(q.postalCode === undefined ? {} : { postalCode: q.postalCode }) },
    lines: q.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
    currency: q.currency,
    subtotal: { amount: normalizeAmount(q.subtotal), currency: q.currency },
    weightGrams: q.weightGrams,
    zone: q.zone,
    rateTableVersion: q.rateTableVersion,
    options: q.options.map((o) => ({
      level: o.level,
      price: { amount: normalizeAmount(o.price), currency: q.currency },
      estimatedDays: { min: o.estimatedDays.min, max: o.estimatedDays.max },
    })),
    createdAt: q.createdAt.toISOString(),
    expiresAt: q.expiresAt.toISOString(),
  };
}

export function toRateTableView(t: StoredRateTable): RateTableView {
  return {
    version: t.version,
    currency: t.table.currency,
    zones: t.table.zones,
    createdAt: t.createdAt.toISOString(),
  };
}
