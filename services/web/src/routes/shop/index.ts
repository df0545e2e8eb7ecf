import type { App } from '@mercato/kit';
import { unwrap } from '../../api/client.ts';
import { booksForCustomer, popularBooks, relatedBooks } from '../../api/recommendations.ts';
import { cardOf, homePage, type Product, productPage, searchPage } from '../../views/shop.ts';
import { pageContext, sendPage } from '../common.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function shopRoutes(app: App) {
  app.get('/', async (request, reply) => {
    const signedIn = !!request.session.get('user');
    const [books, popular, recommended] = await Promise.all([
      unwrap(request.mercato.api.GET('/products', { params: { query: { pageSize: 12 } } })),
      popularBooks(request),
      signedIn ? booksForCustomer(request) : [],
    ]);
    return sendPage(
      reply,
      homePage(pageContext(request, reply), { popular, recommended, books: books.items.map(cardOf) }),
    );
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
    const [product, related] = await Promise.all([
      unwrap(request.mercato.api.GET('/products/{id}', { params: { path: { id } } })),
      relatedBooks(request, id),
    ]);
    return sendPage(reply, productPage(pageContext(request, reply), product, related));
  });
}
