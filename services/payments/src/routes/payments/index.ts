// /payments: a customer's payments, paying again after a failure, and admin refunds.
import { IDEMPOTENT_REPLAYED_HEADER } from '@mercato/idempotency';
import { type App, adminOnly, bearer, errorResponses, IdParam, idempotencyKeyHeader } from '@mercato/kit';
import { getPayment } from '../../use-cases/get-payment.ts';
import { listPayments } from '../../use-cases/list-payments.ts';
import { refundPayment } from '../../use-cases/refund-payment.ts';
import { retryPayment } from '../../use-cases/retry-payment.ts';
import { ListPaymentsQuery, PayBody, PaymentPage, PaymentView, RefundBody, RefundView } from './schemas.ts';
import { toPaymentView, toRefundView } from './view.ts';

export default async function paymentsRoutes(app: App) {
  const { orm, paymentWorker: worker } = app;

  // Authentication before validation: an anonymous caller learns nothing about the request shape.
  app.addHook('onRequest', app.authenticate);

  app.get(
    '',
    {
      schema: {
        summary: 'Payments: your own, or everyone’s for an admin; newest first',
        security: bearer,
        querystring: ListPaymentsQuery,
        response: { 200: PaymentPage, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { page = 1, pageSize = 20, orderId, status } = request.query;
      const { items, total } = await listPayments(orm, request.user, { page, pageSize, orderId, status });
      return {
        items: items.map(({ payment, refunds }) => toPaymentView(payment, refunds)),
        page,
        pageSize,
        total,
      };
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        summary: 'One payment with its refunds',
        security: bearer,
        params: IdParam,
        response: { 200: PaymentView, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const { payment, refunds } = await getPayment(orm, request.user, request.params.id);
      return toPaymentView(payment, refunds);
    },
  );

  app.post(
    '',
    {
      schema: {
        summary:
          'Pay an order again after its payment failed; the same Idempotency-Key returns the first result',
        description:
          'The amount is the one of the failed payment. Possible while the order awaits its payment (orders ' +
          'keeps it PENDING for PAYMENT_RETRY_WINDOW_MS after a decline). 409 when the order is already paid, ' +
          'a payment is in progress or the order was cancelled (for any reason, payment_failed included: ' +
          'the window has passed, place it again); 404 for an order without payments or someone else’s.',
        security: bearer,
        headers: idempotencyKeyHeader,
        body: PayBody,
        response: { 201: PaymentView, ...errorResponses(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { payment, refunds, replayed } = await retryPayment({ orm, worker }, request.user, {
        ...request.body,
        idempotencyKey: request.headers['idempotency-key'],
      });
      reply.code(201).header('location', `/payments/${payment.id}`);
      if (replayed) reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
      return toPaymentView(payment, refunds);
    },
  );

  app.post(
    '/:id/refunds',
    {
      onRequest: adminOnly,
      schema: {
        summary: 'Refund all or part of a captured payment (admin)',
        description: '422 when the payment was not captured or the amount is more than what is left of it.',
        security: bearer,
        headers: idempotencyKeyHeader,
        params: IdParam,
        body: RefundBody,
        response: { 201: RefundView, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const { refund, replayed } = await refundPayment({ orm, worker }, request.user, {
        ...request.body,
        paymentId: request.params.id,
        idempotencyKey: request.headers['idempotency-key'],
      });
      reply.code(201).header('location', `/payments/${refund.paymentId}`);
      if (replayed) reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
      return toRefundView(refund);
    },
  );
}
