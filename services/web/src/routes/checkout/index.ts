import { randomUUID } from 'node:crypto';
import type { App } from '@mercato/kit';
import type { FastifyRequest } from 'fastify';
import { ApiError, isClientProblem, unwrap } from '../../api/client.ts';
import { type Address, checkoutPage, type QuoteOption, TEST_CARDS } from '../../views/customer.ts';
import type { Cart } from '../../views/shop.ts';
import { currentCart } from '../cart/index.ts';
import { flash, form, pageContext, requireUser, seeOther, sendPage } from '../common.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Shipping options for the cart to that address; none when the shop has no shipping service. */
async function quote(request: FastifyRequest, cart: Cart, address: Address) {
  try {
    return (await unwrap(
      request.mercato.api.POST('/shippings/rates', {
        body: {
          destination: { country: address.country, postalCode: address.postalCode },
          lines: cart.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
        },
      }),
    )) as { quoteId: string; options: QuoteOption[] };
  } catch (err) {
    if (!(err instanceof ApiError) || ![404, 422, 502, 503].includes(err.status)) throw err;
    request.log.warn({ err }, 'no shipping quote: ordering without a shipping option');
    return undefined;
  }
}

export default async function checkoutRoutes(app: App) {
  app.get<{ Querystring: { addressId?: string } }>('/checkout', async (request, reply) => {
    if (!requireUser(request, reply)) return reply;
    const cart = await currentCart(request);
    if (!cart || cart.lines.length === 0) {
      flash(request, 'info', 'Your cart is empty.');
      return seeOther(reply, '/cart');
    }
    const addresses = (
      await unwrap(request.mercato.api.GET('/addresses', { params: { query: { pageSize: 50 } } }))
    ).items as Address[];
    const chosen =
      addresses.find((a) => a.id === request.query.addressId) ??
      addresses.find((a) => a.isDefault) ??
      addresses[0];
    const q = chosen ? await quote(request, cart, chosen) : undefined;
    return sendPage(
      reply,
      checkoutPage(pageContext(request, reply), {
        cart,
        addresses,
        addressId: chosen?.id,
        quote: q,
        // One key per checkout page shown: a double submit (or a retry after a lost answer) places one order.
        idempotencyKey: randomUUID(),
      }),
    );
  });

  app.post('/checkout/address', async (request, reply) => {
    if (!requireUser(request, reply)) return reply;
    const f = form(request);
    try {
      const address = await unwrap(
        request.mercato.api.POST('/addresses', {
          body: {
            street: f.street ?? '',
            city: f.city ?? '',
            postalCode: f.postalCode ?? '',
            country: f.country ?? '',
            isDefault: true,
          },
        }),
      );
      return seeOther(reply, `/checkout?addressId=${address.id}`);
    } catch (err) {
      if (!isClientProblem(err, 400)) throw err;
      flash(request, 'error', 'Please check the address: every field is needed.');
      return seeOther(reply, '/checkout');
    }
  });

  app.post('/checkout', async (request, reply) => {
    if (!requireUser(request, reply)) return reply;
    const f = form(request);
    const card = TEST_CARDS.some((c) => c.token === f.card) ? (f.card as string) : 'tok_visa';
    const key = f.idempotencyKey && UUID.test(f.idempotencyKey) ? f.idempotencyKey : randomUUID();
    const version = Number(f.cartVersion);
    const level = f.level === 'standard' || f.level === 'express' ? f.level : undefined;
    try {
      const placed = await unwrap(
        request.mercato.api.POST('/carts/me/checkout', {
          params: { header: { 'idempotency-key': key } },
          body: {
            shippingAddressId: f.addressId ?? '',
            paymentMethod: { type: 'card', token: card },
            ...(Number.isInteger(version) && version >= 1 ? { cartVersion: version } : {}),
            ...(f.quoteId && level ? { shipping: { quoteId: f.quoteId, level } } : {}),
          },
        }),
      );
      request.session.set('cartCount', placed.cart.itemCount);
      return seeOther(reply, `/account/orders/${placed.order.id}`);
    } catch (err) {
      if (!isClientProblem(err, 400, 409, 422)) throw err;
      flash(
        request,
        'error',
        err.status === 409
          ? 'Your cart changed (a price or what is in stock). Please check it and place the order again.'
          : `The order could not be placed: ${err.detail || err.title}`,
      );
      return seeOther(reply, err.status === 409 ? '/cart' : '/checkout');
    }
  });
}
