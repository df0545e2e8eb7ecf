import type { App } from '@mercato/kit';
import type { FastifyRequest } from 'fastify';
import { isClientProblem, unwrap } from '../../api/client.ts';
import { type Cart, cartPage } from '../../views/shop.ts';
import { flash, form, pageContext, seeOther, sendPage } from '../common.ts';

/** The headers that name this browser's cart: the customer's token (the SDK sends it), or a guest cart's. */
function cartHeaders(request: FastifyRequest): Record<string, string> {
  const token = request.session.get('cartToken');
  return token ? { 'x-cart-token': token } : {};
}

function remember(request: FastifyRequest, cart: Cart | undefined): Cart | undefined {
  request.session.set('cartCount', cart?.itemCount ?? 0);
  return cart;
}

/** The current cart, or undefined for a guest who has none yet (or whose cart expired). */
export async function currentCart(request: FastifyRequest): Promise<Cart | undefined> {
  if (!request.session.get('user') && !request.session.get('cartToken')) return undefined;
  try {
    const cart = await unwrap(request.mercato.api.GET('/carts/me', { headers: cartHeaders(request) }));
    return remember(request, cart as Cart);
  } catch (err) {
    if (isClientProblem(err, 401, 404) && !request.session.get('user')) {
      request.session.set('cartToken', undefined);
      return remember(request, undefined);
    }
    throw err;
  }
}

/** After sign-in: the first request with both the bearer token and the guest cart's token merges them. */
export async function mergeGuestCart(request: FastifyRequest): Promise<void> {
  try {
    await currentCart(request);
  } catch (err) {
    request.log.warn({ err }, 'the guest cart could not be merged');
  } finally {
    request.session.set('cartToken', undefined);
  }
}

async function ensureCart(request: FastifyRequest): Promise<void> {
  if (request.session.get('user') || request.session.get('cartToken')) return;
  // 201 with the guest cart's token (200 would be a customer's own cart: not for a guest).
  const created = (await unwrap(request.mercato.api.POST('/carts'))) as { token?: string };
  if (created.token) request.session.set('cartToken', created.token);
}

function quantity(value: string | undefined): number {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) && n >= 1 ? Math.min(n, 99) : 1;
}

export default async function cartRoutes(app: App) {
  app.get('/cart', async (request, reply) => {
    const cart = await currentCart(request);
    return sendPage(reply, cartPage(pageContext(request, reply), cart));
  });

  app.post('/cart/items', async (request, reply) => {
    const f = form(request);
    await ensureCart(request);
    const add = () =>
      unwrap(
        request.mercato.api.POST('/carts/me/items', {
          body: { productId: f.productId ?? '', quantity: quantity(f.quantity) },
          headers: cartHeaders(request),
        }),
      );
    let cart: Awaited<ReturnType<typeof add>>;
    try {
      cart = await add();
    } catch (err) {
      // A guest cart that expired meanwhile: start a new one.
      if (!(isClientProblem(err, 401) && !request.session.get('user'))) throw err;
      request.session.set('cartToken', undefined);
      await ensureCart(request);
      cart = await add();
    }
    remember(request, cart as Cart);
    flash(request, 'info', 'Added to your cart.');
    return seeOther(reply, '/cart');
  });

  app.post<{ Params: { itemId: string } }>('/cart/items/:itemId', async (request, reply) => {
    const cart = await unwrap(
      request.mercato.api.PATCH('/carts/me/items/{itemId}', {
        params: { path: { itemId: request.params.itemId } },
        body: { quantity: quantity(form(request).quantity) },
        headers: cartHeaders(request),
      }),
    );
    remember(request, cart as Cart);
    return seeOther(reply, '/cart');
  });

  app.post<{ Params: { itemId: string } }>('/cart/items/:itemId/remove', async (request, reply) => {
    await unwrap(
      request.mercato.api.DELETE('/carts/me/items/{itemId}', {
        params: { path: { itemId: request.params.itemId } },
        headers: cartHeaders(request),
      }),
    );
    await currentCart(request);
    flash(request, 'info', 'Removed from your cart.');
    return seeOther(reply, '/cart');
  });
}
