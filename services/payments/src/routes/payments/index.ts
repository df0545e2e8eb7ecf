// /payments: a customer's payments, paying again after a failure, and admin refunds.
import { createHash } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mercato/db';
import {
  type App,
  type AuthUser,
  IdParam,
  idempotencyKeyHeader,
  ProblemSchema,
  problems,
} from '@mercato/kit';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { uuidv7 } from 'uuidv7';
import { chargeKey, checkRefund, decideRetry } from '../../domain/payment-rules.ts';
import { IdempotencyRecord, OrderCancellation, Payment, Refund } from '../../entities.ts';
import { addRefund, type ProviderWorker } from '../../provider-worker.ts';
import { ListPaymentsQuery, PayBody, PaymentPage, PaymentView, RefundBody, RefundView } from './schemas.ts';
import { toPaymentView, toRefundView } from './view.ts';

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ProblemSchema]));
const security = [{ bearerAuth: [] }];
const fingerprintOf = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

export async function paymentRoutes(app: App, opts: { orm: MikroORM; worker: ProviderWorker }) {
  const { orm, worker } = opts;

  // Authentication before validation: an anonymous caller learns nothing about the request shape.
  app.addHook('onRequest', app.authenticate);
  const adminOnly = async (request: FastifyRequest) => {
    if (request.user.role !== 'admin') throw problems.forbidden('This requires the admin role');
  };

  /** 404 for a payment that does not exist or belongs to someone else (no existence leak). */
  const visible = <T extends { userId: string }>(row: T | null, user: AuthUser, what: string): T => {
    if (!row || (user.role !== 'admin' && row.userId !== user.sub))
      throw problems.notFound(`No such ${what}`);
    return row;
  };

  const paymentView = async (em: EntityManager, payment: Payment) =>
    toPaymentView(
      payment,
      await em.find(Refund, { paymentId: payment.id }, { orderBy: { createdAt: 'asc' } }),
    );

  /** The first request's resource for a reused Idempotency-Key; 422 if the key came with another body. */
  const replayed = async (user: AuthUser, key: string | undefined, fingerprint: string) => {
    if (!key) return undefined;
    const record = await orm.em.fork().findOne(IdempotencyRecord, { userId: user.sub, key });
    if (!record) return undefined;
    if (record.fingerprint !== fingerprint)
      throw problems.unprocessable('This Idempotency-Key was already used with a different request', {
        idempotencyKey: key,
      });
    return record.resourceId;
  };

  const rememberKey = (
    em: EntityManager,
    user: AuthUser,
    key: string | undefined,
    fingerprint: string,
    id: string,
  ) => {
    if (key)
      em.create(IdempotencyRecord, {
        userId: user.sub,
        key,
        fingerprint,
        resourceId: id,
        createdAt: new Date(),
      });
  };

  const sendPayment = async (reply: FastifyReply, id: string, replay: boolean) => {
    const em = orm.em.fork();
    const payment = await em.findOneOrFail(Payment, { id });
    reply.code(201).header('location', `/payments/${id}`);
    if (replay) reply.header('idempotent-replayed', 'true');
    return paymentView(em, payment);
  };

  app.get(
    '/payments',
    {
      schema: {
        summary: 'Payments: your own, or everyone’s for an admin; newest first',
        security,
        querystring: ListPaymentsQuery,
        response: { 200: PaymentPage, ...errors(400, 401) },
      },
    },
    async (request) => {
      const { page = 1, pageSize = 20, orderId, status } = request.query;
      const user = request.user;
      const em = orm.em.fork();
      const where = {
        ...(user.role === 'admin' ? {} : { userId: user.sub }),
        ...(orderId ? { orderId } : {}),
        ...(status ? { status } : {}),
      };
      const [rows, total] = await em.findAndCount(Payment, where, {
        orderBy: { createdAt: 'desc', id: 'desc' },
        limit: pageSize,
        offset: (page - 1) * pageSize,
      });
      const refunds = rows.length
        ? await em.find(
            Refund,
            { paymentId: { $in: rows.map((r) => r.id) } },
            { orderBy: { createdAt: 'asc' } },
          )
        : [];
      const items = rows.map((p) =>
        toPaymentView(
          p,
          refunds.filter((r) => r.paymentId === p.id),
        ),
      );
      return { items, page, pageSize, total };
    },
  );

  app.get(
    '/payments/:id',
    {
      schema: {
        summary: 'One payment with its refunds',
        security,
        params: IdParam,
        response: { 200: PaymentView, ...errors(400, 401, 404) },
      },
    },
    async (request) => {
      const em = orm.em.fork();
      const payment = visible(await em.findOne(Payment, { id: request.params.id }), request.user, 'payment');
      return paymentView(em, payment);
    },
  );

  app.post(
    '/payments',
    {
      schema: {
        summary:
          'Pay an order again after its payment failed; the same Idempotency-Key returns the first result',
        description:
          'The amount is the one of the failed payment. Possible while the order awaits its payment (orders ' +
          'keeps it PENDING for PAYMENT_RETRY_WINDOW_MS after a decline). 409 when the order is already paid, ' +
          'a payment is in progress or the order was cancelled (for any reason, payment_failed included: ' +
          'the window has passed, place it again); 404 for an order without payments or someone else’s.',
        security,
        headers: idempotencyKeyHeader,
        body: PayBody,
        response: { 201: PaymentView, ...errors(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const user = request.user;
      const key = request.headers['idempotency-key'];
      const { orderId, paymentMethod } = request.body;
      const fingerprint = fingerprintOf(['pay', orderId, paymentMethod.type, paymentMethod.token]);
      const earlier = await replayed(user, key, fingerprint);
      if (earlier) return sendPayment(reply, earlier, true);

      let payment: Payment;
      try {
        payment = await orm.em.fork().transactional(async (em) => {
          // Every attempt of the order, locked: two concurrent retries cannot both start a charge.
          const attempts = await em.find(Payment, { orderId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
          visible(attempts[0] ?? null, user, 'order payment');
          // Any cancellation ends the order, payment_failed included: orders keeps a declined order
          // PENDING for its retry window and cancels it only once that has passed. Charging it now
          // would only lead to a refund.
          const cancellation = await em.findOne(OrderCancellation, { orderId });
          if (cancellation)
            throw problems.conflict(`The order was cancelled (${cancellation.reason}); place it again`, {
              cancelReason: cancellation.reason,
            });
          const decision = decideRetry(attempts);
          if (decision.kind === 'already_paid') throw problems.conflict('The order is already paid');
          if (decision.kind !== 'retry') throw problems.conflict('A payment of this order is in progress');
          const failed = attempts.find((a) => a.revision === decision.revision)!;
          const now = new Date();
          const attempt = em.create(Payment, {
            id: uuidv7(),
            orderId,
            userId: failed.userId,
            revision: decision.revision,
            attempt: decision.attempt,
            amount: failed.amount,
            currency: failed.currency.trim(),
            paymentMethod,
            idempotencyKey: chargeKey(orderId, decision.revision, decision.attempt),
            status: 'pending',
            failureReason: null,
            providerRef: null,
            refundedAmount: '0',
            // Leased to this request from the start, so the worker's poll leaves it alone while the
            // request charges it (the answer carries the outcome); if the process dies, the lease
            // expires and the poll charges it with the same idempotency key.
            tries: 1,
            nextTryAt: new Date(now.getTime() + worker.leaseMs),
            causationId: null,
            createdAt: now,
            updatedAt: now,
          });
          rememberKey(em, user, key, fingerprint, attempt.id);
          return attempt;
        });
      } catch (err) {
        // The same key sent twice at once: the second waits for the first and answers like it.
        if (err instanceof UniqueConstraintViolationException) {
          const first = await replayed(user, key, fingerprint);
          if (first) return sendPayment(reply, first, true);
          throw problems.conflict('A payment of this order is in progress');
        }
        throw err;
      }
      await worker.chargeLeased(payment);
      return sendPayment(reply, payment.id, false);
    },
  );

  app.post(
    '/payments/:id/refunds',
    {
      preHandler: adminOnly,
      schema: {
        summary: 'Refund all or part of a captured payment (admin)',
        description: '422 when the payment was not captured or the amount is more than what is left of it.',
        security,
        headers: idempotencyKeyHeader,
        params: IdParam,
        body: RefundBody,
        response: { 201: RefundView, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const user = request.user;
      const key = request.headers['idempotency-key'];
      const { amount, currency, reason = 'admin' } = request.body;
      const fingerprint = fingerprintOf([
        'refund',
        request.params.id,
        amount ?? null,
        currency ?? null,
        reason,
      ]);
      let refundId = await replayed(user, key, fingerprint);
      const replay = refundId !== undefined;
      if (!refundId) {
        try {
          refundId = await orm.em.fork().transactional(async (em) => {
            const payment = await em.findOne(
              Payment,
              { id: request.params.id },
              { lockMode: LockMode.PESSIMISTIC_WRITE },
            );
            if (!payment) throw problems.notFound('No such payment');
            if (payment.status !== 'succeeded') throw problems.unprocessable('The payment was not captured');
            const check = checkRefund(
              { amount: payment.amount, currency: payment.currency.trim() },
              payment.refundedAmount,
              amount === undefined ? undefined : { amount, currency },
            );
            if (!check.ok) throw problems.unprocessable(`Cannot refund: ${check.reason}`);
            const refund = addRefund(em, payment, check.amount, reason);
            rememberKey(em, user, key, fingerprint, refund.id);
            return refund.id;
          });
        } catch (err) {
          if (!(err instanceof UniqueConstraintViolationException)) throw err;
          refundId = await replayed(user, key, fingerprint);
          if (!refundId) throw err;
        }
        await worker.processRefund(refundId);
      }
      const refund = await orm.em.fork().findOneOrFail(Refund, { id: refundId });
      reply.code(201).header('location', `/payments/${refund.paymentId}`);
      if (replay) reply.header('idempotent-replayed', 'true');
      return toRefundView(refund);
    },
  );
}
