import type { App } from '@mercato/kit';
import type { FastifyRequest } from 'fastify';
import { unwrap } from '../../api/client.ts';
import { homePage, type Product, productPage, searchPage } from '../../views/shop.ts';
import { pageContext, sendPage } from '../common.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Recommended {
  productId: string;
  name: string;
  category: string | null;
  price: { amount: string; currency: string } | null;
}

/**
 * Recommendations are a bonus: a shop without the service (or with it down) shows none. The SDK's
 * generated types predate the recommendations service, so this one call is untyped until the SDK
 * is regenerated (`npm run sdk:generate`).
 */
async function recommendations(request: FastifyRequest, path: string): Promise<Product[]> {
  const get = request.mercato.api.GET as unknown as (
    path: string,
    init: { params: { query: { limit: number } } },
  ) => Promise<{ data?: { items?: Recommended[] } }>;
  try {
    const { data } = await get(path, { params: { query: { limit: 4 } } });
    return (data?.items ?? [])
      .filter((r) => r.price)
      .map((r) => ({
        id: r.productId,
        name: r.name,
        description: '',
        category: r.category ?? '',
        price: r.price as Product['price'],
        attributes: {},
      }));
  } catch (err) {
    request.log.debug({ err, path }, 'no recommendations');
    return [];
  }
}

export default async function shopRoutes(app: App) {
  app.get('/', async (request, reply) => {
    const signedIn = !!request.session.get('user');
    const [popular, recommended] = await Promise.all([
      unwrap(request.mercato.api.GET('/products', { params: { query: { pageSize: 12 } } })),
      recommendations(request, signedIn ? '/recommendations/me' : '/recommendations/popular'),
    ]);
    return sendPage(reply, homePage(pageContext(request, reply), popular.items as Product[], recommended));
  });

  app.get<{ Querystring: { q?: string } }>('/search', async (request, reply) => {
    const q = String(request.query.q ?? '')
      .trim()
      .slice(0, 200);
    if (!q) return reply.redirect('/');
    const page = await unwrap(
      request.mercato.api.GET('/products/search', { params: { query: { q, pageSize: 24 } } }),
    );
    return sendPage(reply, searchPage(pageContext(request, reply), q, page.items as Product[], page.total));
  });

  app.get<{ Params: { id: string } }>('/books/:id', async (request, reply) => {
    const id = request.params.id;
    if (!UUID.test(id)) return reply.callNotFound();
    const [product, together] = await Promise.all([
      unwrap(request.mercato.api.GET('/products/{id}', { params: { path: { id } } })),
      recommendations(request, `/recommendations/products/${id}`),
    ]);
    return sendPage(reply, productPage(pageContext(request, reply), product as Product, together));
  });
}
