// /recommendations: bought together with a product, for the signed-in customer, and the client's
// batched views. Each handler validates (schemas.ts), calls one use case (app.recommender) and answers.
import { type App, bearer, errorResponses } from '@mercato/kit';
import {
  CustomerRecommendations,
  EventsAccepted,
  EventsBody,
  LimitQuery,
  PopularQuery,
  PopularRecommendations,
  ProductParams,
  ProductRecommendations,
} from './schemas.ts';

export default async function recommendationsRoutes(app: App) {
  const rec = app.recommender;

  app.get(
    '/products/:id',
    {
      schema: {
        summary:
          'Bought together with a product (then viewed together, then popular in its category): score and reason',
        'x-mercato-access': 'public',
        params: ProductParams,
        querystring: LimitQuery,
        response: { 200: ProductRecommendations, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const { items } = await rec.forProduct(request.params.id, request.query.limit ?? 10);
      return { productId: request.params.id, items };
    },
  );

  app.get(
    '/popular',
    {
      schema: {
        summary:
          'Popular lately (popularity decays with POPULAR_HALF_LIFE_DAYS): in one category, or the best of each category first',
        'x-mercato-access': 'public',
        querystring: PopularQuery,
        response: { 200: PopularRecommendations, ...errorResponses(400) },
      },
    },
    async (request) => {
      const { category, limit } = request.query;
      return { category: category ?? null, items: await rec.popular(category, limit ?? 10) };
    },
  );

  app.get(
    '/me',
    {
      onRequest: app.authenticate,
      schema: {
        summary:
          'For the signed-in customer: from their purchases and views, never what they bought; popular items when they have no history',
        security: bearer,
        'x-mercato-access': 'self',
        querystring: LimitQuery,
        response: { 200: CustomerRecommendations, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { personalised, items } = await rec.forCustomer(request.user.sub, request.query.limit ?? 10);
      return { userId: request.user.sub, personalised, items };
    },
  );

  app.post(
    '/events',
    {
      onRequest: app.authenticate,
      schema: {
        summary:
          'Views and add-to-cart events of the signed-in customer, batched (at most 50 per request; rate-limited per customer)',
        security: bearer,
        'x-mercato-access': 'self',
        body: EventsBody,
        response: { 202: EventsAccepted, ...errorResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const answer = await rec.recordEvents(request.user.sub, request.body.events);
      reply.code(202);
      return answer;
    },
  );
}
