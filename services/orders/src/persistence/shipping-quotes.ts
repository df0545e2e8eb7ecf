// The QuoteBook backed by shipping's public API: GET /shippings/quotes/{id}, read synchronously when an
// order (or a line change) names a shipping option. Quotes are public (a guest may quote), so no token
// is sent. The ServiceClient gives the deadline, the retry (a GET is safe to repeat) and the 503 when
// shipping does not answer.
import { HttpProblem, type ServiceClient } from '@mercato/kit';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type { Quote, QuoteBook } from '../domain/shipping.ts';

const Amount = Type.String({ pattern: '^\\d{1,12}(\\.\\d{1,4})?$' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$' });

/** shipping's Quote, as far as orders reads it (other fields are allowed and ignored). */
const QuoteBody = Type.Object({
  quoteId: Type.String({ minLength: 1 }),
  destination: Type.Object({ country: Type.String({ minLength: 2 }) }),
  lines: Type.Array(
    Type.Object({ productId: Type.String({ minLength: 1 }), quantity: Type.Integer({ minimum: 1 }) }),
  ),
  currency: Currency,
  options: Type.Array(
    Type.Object({ level: Type.String(), price: Type.Object({ amount: Amount, currency: Currency }) }),
  ),
  expiresAt: Type.String({ minLength: 1 }),
});
const isQuote = Compile(QuoteBody);

export function shippingQuoteBook(shipping: ServiceClient): QuoteBook {
  return {
    async find(quoteId): Promise<Quote | undefined> {
      const res = await shipping.request({
        method: 'GET',
        path: `/shippings/quotes/${encodeURIComponent(quoteId)}`,
      });
      if (res.status === 404) return undefined;
      if (res.status === 200 && isQuote.Check(res.body)) {
        const q = res.body;
        return {
          quoteId: q.quoteId,
          destination: { country: q.destination.country },
          lines: q.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
          currency: q.currency,
          options: q.options.map((o) => ({
            level: o.level,
            price: { amount: o.price.amount, currency: o.price.currency },
          })),
          expiresAt: q.expiresAt,
        };
      }
      // Anything else (a 500, an answer of another shape) is shipping failing, not the client.
      throw new HttpProblem({
        status: 503,
        slug: 'upstream-unavailable',
        title: 'A service this request needs is unavailable',
        detail: `The ${shipping.service} service could not give the quote (answered ${res.status}); nothing was changed here, try again shortly`,
        extensions: { service: shipping.service, retryAfter: 5 },
        headers: { 'retry-after': '5' },
      });
    },
  };
}
