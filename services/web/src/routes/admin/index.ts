import type { App } from '@mercato/kit';
import { ifMatch } from '@mercato/sdk';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isClientProblem, unwrap } from '../../api/client.ts';
import {
  adminHome,
  adminOrdersPage,
  adminProductsPage,
  adminShipmentsPage,
  adminStockPage,
  type Shipment,
  type Stock,
  type Store,
  TRANSITIONS,
} from '../../views/admin.ts';
import type { Order } from '../../views/customer.ts';
import { errorPage } from '../../views/customer.ts';
import type { Product } from '../../views/shop.ts';
import { flash, form, pageContext, requireUser, seeOther, sendPage } from '../common.ts';

const STATUSES = new Set(['PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED']);

/** The admin area is for admins (the API checks the role too: this only spares others a broken page). */
function requireAdmin(request: FastifyRequest, reply: FastifyReply): boolean {
  if (!requireUser(request, reply)) return false;
  if (request.session.get('user')?.role === 'admin') return true;
  sendPage(
    reply,
    errorPage(pageContext(request, reply), 403, 'Not allowed', 'This area is for the shop’s admins.'),
    403,
  );
  return false;
}

async function names(request: FastifyRequest, stocks: Stock[]) {
  const { api } = request.mercato;
  const [stores, products] = await Promise.all([
    unwrap(api.GET('/stores', { params: { query: { pageSize: 100 } } })),
    Promise.all(
      [...new Set(stocks.map((s) => s.productId))].map((id) =>
        unwrap(api.GET('/products/{id}', { params: { path: { id } } })).catch(() => undefined),
      ),
    ),
  ]);
  return {
    stores: new Map((stores.items as Store[]).map((s) => [s.id, `${s.code} ${s.name}`])),
    products: new Map(
      products.filter((p): p is NonNullable<typeof p> => !!p).map((p) => [p.id, p.name] as [string, string]),
    ),
  };
}

export default async function adminRoutes(app: App) {
  app.get('/admin', async (request, reply) => {
    if (!requireAdmin(request, reply)) return reply;
    return sendPage(reply, adminHome(pageContext(request, reply)));
  });

  app.get<{ Querystring: { status?: string } }>('/admin/orders', async (request, reply) => {
    if (!requireAdmin(request, reply)) return reply;
    const status = STATUSES.has(request.query.status ?? '') ? request.query.status : undefined;
    const page = await unwrap(
      request.mercato.api.GET('/orders', {
        params: {
          query: { pageSize: 50, ...(status ? { status: status as Order['status'] as never } : {}) },
        },
      }),
    );
    return sendPage(reply, adminOrdersPage(pageContext(request, reply), page.items as Order[], status));
  });

  app.post<{ Params: { id: string } }>('/admin/orders/:id/status', async (request, reply) => {
    if (!requireAdmin(request, reply)) return reply;
    const f = form(request);
    const to = f.status ?? '';
    if (!Object.values(TRANSITIONS).flat().includes(to)) return reply.code(400).send();
    try {
      await unwrap(
        request.mercato.api.PUT('/orders/{id}', {
          params: {
            path: { id: request.params.id },
            header: f.version ? ifMatch(`"${Number(f.version)}"`) : {},
          },
          body: { status: to as never },
        }),
      );
      flash(request, 'info', `Order ${request.params.id.slice(-8)} is ${to} now.`);
    } catch (err) {
      if (!isClientProblem(err, 409, 412)) throw err;
      flash(
        request,
        'error',
        err.status === 412
          ? 'The order changed meanwhile: look again and retry.'
          : `Not allowed: ${err.detail}`,
      );
    }
    return seeOther(reply, '/admin/orders');
  });

  app.get('/admin/products', async (request, reply) => {
    if (!requireAdmin(request, reply)) return reply;
    const page = await unwrap(request.mercato.api.GET('/products', { params: { query: { pageSize: 100 } } }));
    return sendPage(reply, adminProductsPage(pageContext(request, reply), page.items as Product[]));
  });

  app.post('/admin/products', async (request, reply) => {
    if (!requireAdmin(request, reply)) return reply;
    const f = form(request);
    try {
      const product = await unwrap(
        request.mercato.api.POST('/products', {
          body: {
            name: f.name ?? '',
            description: f.description ?? '',
            category: f.category ?? '',
            price: { amount: f.price ?? '', currency: 'EUR' },
            ...(f.author ? { attributes: { author: f.author } } : {}),
          },
        }),
      );
      flash(request, 'info', `Created ${product.name}.`);
    } catch (err) {
      if (!isClientProblem(err, 400, 409, 422)) throw err;
      flash(request, 'error', `Not created: ${err.detail || err.title}`);
    }
    return seeOther(reply, '/admin/products');
  });

  app.get('/admin/stock', async (request, reply) => {
    if (!requireAdmin(request, reply)) return reply;
    const stocks = (
      await unwrap(request.mercato.api.GET('/stocks', { params: { query: { pageSize: 100 } } }))
    ).items as Stock[];
    return sendPage(reply, adminStockPage(pageContext(request, reply), stocks, await names(request, stocks)));
  });

  app.post<{ Params: { id: string } }>('/admin/stock/:id', async (request, reply) => {
    if (!requireAdmin(request, reply)) return reply;
    const f = form(request);
    const onHand = Number.parseInt(f.onHand ?? '', 10);
    try {
      await unwrap(
        request.mercato.api.PATCH('/stocks/{id}', {
          params: {
            path: { id: request.params.id },
            header: f.version ? ifMatch(`"${Number(f.version)}"`) : {},
          },
          body: { onHand: Number.isFinite(onHand) ? onHand : -1 },
        }),
      );
      flash(request, 'info', 'Stock saved.');
    } catch (err) {
      if (!isClientProblem(err, 400, 409, 412, 422)) throw err;
      flash(request, 'error', `Not saved: ${err.detail || err.title}`);
    }
    return seeOther(reply, '/admin/stock');
  });

  app.get('/admin/low-stock', async (request, reply) => {
    if (!requireAdmin(request, reply)) return reply;
    const all = (await unwrap(request.mercato.api.GET('/stocks', { params: { query: { pageSize: 100 } } })))
      .items as Stock[];
    const stocks = all.filter((s) => s.available <= s.lowStockThreshold);
    return sendPage(
      reply,
      adminStockPage(pageContext(request, reply), stocks, await names(request, stocks), 'Low stock'),
    );
  });

  app.get('/admin/shipments', async (request, reply) => {
    if (!requireAdmin(request, reply)) return reply;
    let shipments: Shipment[] = [];
    try {
      shipments = (
        await unwrap(request.mercato.api.GET('/shippings', { params: { query: { pageSize: 50 } } }))
      ).items as Shipment[];
    } catch (err) {
      // A shop without the shipping service: no shipments.
      if (!(err instanceof Error && 'status' in err && [404, 503].includes(Number(err.status)))) throw err;
    }
    return sendPage(reply, adminShipmentsPage(pageContext(request, reply), shipments));
  });
}
