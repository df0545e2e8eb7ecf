import { randomUUID } from 'node:crypto';
import type { App } from '@mercato/kit';
import { isClientProblem, mercatoClient, unwrap } from '../../api/client.ts';
import {
  FINAL,
  type Order,
  orderPage,
  orderState,
  ordersPage,
  type StatusView,
  TEST_CARDS,
} from '../../views/customer.ts';
import { flash, form, pageContext, requireUser, seeOther, sendPage } from '../common.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A live order stream ends after this; the page's EventSource then opens a new one.
const STREAM_MAX_MS = 10 * 60_000;
const HEARTBEAT_MS = 5_000;
const INVOICED = new Set(['CONFIRMED', 'SHIPPED', 'DELIVERED']);

export default async function orderRoutes(app: App) {
  app.get('/account/orders', async (request, reply) => {
    if (!requireUser(request, reply)) return reply;
    const page = await unwrap(request.mercato.api.GET('/orders', { params: { query: { pageSize: 50 } } }));
    return sendPage(reply, ordersPage(pageContext(request, reply), page.items as Order[]));
  });

  app.get<{ Params: { id: string } }>('/account/orders/:id', async (request, reply) => {
    if (!requireUser(request, reply)) return reply;
    const id = request.params.id;
    if (!UUID.test(id)) return reply.callNotFound();
    const { api } = request.mercato;
    const [order, status, invoices] = await Promise.all([
      unwrap(api.GET('/orders/{id}', { params: { path: { id } } })),
      unwrap(api.GET('/orders/{id}/status', { params: { path: { id } } })),
      unwrap(api.GET('/invoices', { params: { query: { orderId: id } } })),
    ]);
    return sendPage(
      reply,
      orderPage(pageContext(request, reply), order as Order, status as StatusView, {
        hasInvoice: invoices.items.length > 0,
        retryKey: randomUUID(),
      }),
    );
  });

  // The order page's live status: Server-Sent Events, fed by polling the API's status (through the
  // gateway, as the customer). No refresh here: when the access token expires the page is told to
  // reload, and that request refreshes it (one refresh per session, never two racing).
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of streams) end();
  });
  app.get<{ Params: { id: string } }>('/account/orders/:id/events', async (request, reply) => {
    const tokens = request.session.get('tokens');
    const id = request.params.id;
    if (!tokens || !UUID.test(id)) return reply.code(401).type('text/plain').send('sign in first');
    if (tokens.accessExpiresAt - 10_000 < Date.now()) {
      // Expired (or about to): the page reloads, and that request refreshes the tokens.
      return reply
        .type('text/event-stream; charset=utf-8')
        .header('cache-control', 'no-store')
        .send('event: reload\ndata: {}\n\n');
    }
    // The SDK with this session's tokens as they are: no refresh from here (see above).
    const { api } = mercatoClient(
      app.apiUrl,
      5_000,
      { get: () => tokens, set: () => {} },
      { refresh: false, clientAddress: request.ip },
    );
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    let open = true;
    let wake: (() => void) | undefined;
    const end = () => {
      if (!open) return;
      open = false;
      wake?.();
      res.end();
    };
    streams.add(end);
    request.raw.on('close', end);
    const started = Date.now();
    let last = '';
    let invoice = false;
    let lastWrite = Date.now();
    try {
      while (open && Date.now() - started < STREAM_MAX_MS) {
        let view: StatusView;
        try {
          view = (await unwrap(api.GET('/orders/{id}/status', { params: { path: { id } } }))) as StatusView;
        } catch (err) {
          if (isClientProblem(err, 401, 403, 404)) {
            res.write('event: reload\ndata: {}\n\n');
            break;
          }
          request.log.warn({ err }, 'order stream: status not available right now');
          view = { status: last.split('|')[0] as string, history: [] };
        }
        if (!invoice && INVOICED.has(view.status)) {
          invoice = await unwrap(api.GET('/invoices', { params: { query: { orderId: id } } }))
            .then((p) => p.items.length > 0)
            .catch(() => false);
        }
        const state = orderState(view.status, invoice, !!view.payment);
        if (view.status && state !== last) {
          last = state;
          res.write(`event: status\ndata: ${JSON.stringify({ status: view.status, state })}\n\n`);
          lastWrite = Date.now();
          if (FINAL.has(view.status)) break;
        } else if (Date.now() - lastWrite >= HEARTBEAT_MS) {
          res.write(': still here\n\n');
          lastWrite = Date.now();
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, app.orderPollMs).unref();
        });
      }
    } finally {
      streams.delete(end);
      end();
    }
  });

  app.post<{ Params: { id: string } }>('/account/orders/:id/pay', async (request, reply) => {
    if (!requireUser(request, reply)) return reply;
    const id = request.params.id;
    if (!UUID.test(id)) return reply.callNotFound();
    const f = form(request);
    const card = TEST_CARDS.some((c) => c.token === f.card) ? (f.card as string) : 'tok_visa';
    const key = f.idempotencyKey && UUID.test(f.idempotencyKey) ? f.idempotencyKey : randomUUID();
    try {
      const attempt = await unwrap(
        request.mercato.api.POST('/payments', {
          params: { header: { 'idempotency-key': key } },
          body: { orderId: id, paymentMethod: { type: 'card', token: card } },
        }),
      );
      flash(
        request,
        attempt.status === 'succeeded' ? 'info' : 'error',
        attempt.status === 'succeeded' ? 'Payment accepted. Thank you!' : 'That card was declined too.',
      );
    } catch (err) {
      if (!isClientProblem(err, 402, 409, 422)) throw err;
      flash(request, 'error', `The payment did not go through: ${err.detail || err.title}`);
    }
    return seeOther(reply, `/account/orders/${id}`);
  });

  app.get<{ Params: { id: string } }>('/account/orders/:id/invoice.pdf', async (request, reply) => {
    if (!requireUser(request, reply)) return reply;
    const id = request.params.id;
    if (!UUID.test(id)) return reply.callNotFound();
    const { api } = request.mercato;
    const invoice = (await unwrap(api.GET('/invoices', { params: { query: { orderId: id } } }))).items[0];
    if (!invoice) {
      flash(request, 'info', 'The invoice is not issued yet.');
      return seeOther(reply, `/account/orders/${id}`);
    }
    const { data: pdf } = await api.GET('/invoices/{id}/pdf', {
      params: { path: { id: invoice.id } },
      parseAs: 'arrayBuffer',
    });
    return reply
      .type('application/pdf')
      .header(
        'content-disposition',
        `attachment; filename="invoice-${invoice.number.replace(/[^\w.-]/g, '')}.pdf"`,
      )
      .header('cache-control', 'no-store')
      .send(Buffer.from(pdf as ArrayBuffer));
  });
}
