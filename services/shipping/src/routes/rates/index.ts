// /shippings/rates and /shippings/quotes: quoting is open to anyone (guest carts; the gateway rate
// limits it), a quote is read by its id (orders does so when an order names it); the rate table is
// the admins', with ETags.
import {
  type App,
  adminOnly,
  assertIfMatch,
  bearer,
  errorResponses,
  etag,
  IfMatchHeader,
} from '@mercato/kit';
import { QuoteParams, QuoteView, RatesBody, RateTableBody, RateTableView } from './schemas.ts';
import { createQuote, getQuote, getRateTable, putRateTable, type RatesSettings } from './use-cases.ts';
import { toQuoteView, toRateTableView } from './view.ts';

export interface RatesRoutesOptions {
  settings: RatesSettings;
}

export default async function ratesRoutes(app: App, opts: RatesRoutesOptions): Promise<void> {
  const { orm } = app;
  const { settings } = opts;
  // onRequest: the token is checked before the body is parsed, so a non-admin learns nothing about
  // what a valid table looks like.
  const admin = [app.authenticate, adminOnly];

  app.post(
    '/rates',
    {
      schema: {
        tags: ['rates'],
        summary: 'Quote the shipping options for a destination and a set of lines (anyone, guests too)',
        description:
          'Every service level whose weight bands hold the parcel, with its price and estimated delivery days, ' +
          'from the rate table in force. The weight is each product’s weightGrams attribute (or DEFAULT_WEIGHT_GRAMS) ' +
          '× quantity; standard is free from FREE_SHIPPING_THRESHOLD of line value (express never is). The quote ' +
          'is stored and honoured until expiresAt: POST /orders takes {quoteId, level}. 422 unknown-product / ' +
          'product-inactive (naming the lines), currency-not-supported (a product priced in another currency ' +
          'than the rates), no-shipping-option (nothing ships that weight there); 400 for a country that is ' +
          'no ISO 3166-1 code.',
        body: RatesBody,
        response: { 201: QuoteView, ...errorResponses(400, 422) },
      },
    },
    async (request, reply) => {
      const quote = await createQuote(orm, settings, request.body);
      reply.code(201).header('location', `/shippings/quotes/${quote.id}`);
      return toQuoteView(quote);
    },
  );

  app.get(
    '/quotes/:quoteId',
    {
      schema: {
        tags: ['rates'],
        summary: 'One quote by its id (public: the id is the secret), expired ones too',
        description:
          'An expired quote is still answered for QUOTE_RETENTION_HOURS (compare expiresAt), then swept: 404.',
        params: QuoteParams,
        response: { 200: QuoteView, ...errorResponses(400, 404) },
      },
    },
    async (request) => toQuoteView(await getQuote(orm, request.params.quoteId)),
  );

  app.get(
    '/rate-table',
    {
      onRequest: admin,
      schema: {
        tags: ['rates'],
        summary: 'The rate table in force (admin; ETag = its version)',
        security: bearer,
        response: { 200: RateTableView, ...errorResponses(401, 403) },
      },
    },
    async (_request, reply) => {
      const current = await getRateTable(orm);
      reply.header('etag', etag(current.version));
      return toRateTableView(current);
    },
  );

  app.put(
    '/rate-table',
    {
      onRequest: admin,
      schema: {
        tags: ['rates'],
        summary: 'Replace the rate table: a new version (admin; If-Match → 412 when stale)',
        description:
          'Quotes already made keep their prices. 422 invalid-rate-table when bands do not ascend, a country ' +
          'is in two zones or is no ISO code, the catch-all zone "world" lists countries or another zone none, ' +
          'or estimatedDays.min > max; 422 currency-not-supported when the currency is not SHIPPING_CURRENCY.',
        security: bearer,
        headers: IfMatchHeader,
        body: RateTableBody,
        response: { 200: RateTableView, ...errorResponses(400, 401, 403, 412, 422) },
      },
    },
    async (request, reply) => {
      const stored = await putRateTable(orm, settings.currency, request.user, request.body, (version) =>
        assertIfMatch(request, version),
      );
      reply.header('etag', etag(stored.version));
      return toRateTableView(stored);
    },
  );
}
