// Talks to the payment provider for pending charges and refunds, outside of any database transaction.
//
// Why a worker rather than calling the provider inside the consumer: the consumer's handler runs in
// the inbox transaction, and a provider call can take seconds (or hang until the timeout). Holding a
// transaction (and a pooled connection, and row locks) open across an HTTP call is what this avoids.
// So each charge goes through three steps, each one safe to repeat:
//   1. the consumer (or POST /payments) records a `pending` payment — in the inbox transaction, so the
//      message id and the attempt commit together: a redelivered stock.reserved finds its inbox row and
//      does nothing; a copy with another message id hits the unique (order, revision, attempt);
//   2. the worker leases the row (`tries + 1`, `next_try_at` pushed past the provider timeout, SKIP
//      LOCKED so replicas never take the same row; the statement returns the leased rows, so there is
//      nothing to read again) and calls the provider with the payment's idempotency key, no
//      transaction open;
//   3. it records the outcome and adds payment.succeeded / payment.failed to the outbox, only if the
//      row is still `pending` (so exactly one outcome and one event).
// A crash between 2 and 3 leaves the row pending; its lease expires and the worker calls again with
// the SAME idempotency key, so the provider answers with the same charge instead of charging twice.
//
// The hand-off: stock.reserved's consumer usually inserts the payment ALREADY leased (`tries` 1) and,
// once its transaction has committed, hands the row to `handOff` in this process — step 2 without a
// poll, a lease query or a wait. Nobody else can take the row while that lease holds; if this process
// dies first, the lease expires and the poll (here or in another replica) takes it like any other.
//
// Step 1 is use-cases/record-charge.ts (and retry-payment.ts), step 3 use-cases/record-payment-outcome.ts
// (record-refund-outcome.ts for refunds); their SQL, and the lease's, is in persistence/payments.ts.

import { normalizeAmount } from '@mercato/contracts';
import type { MikroORM } from '@mercato/db';
import { type DrainLoop, drainLoop, isConnectionError } from '@mercato/kit';
import type { Logger } from '@mercato/messaging';
import type { PaymentMetrics } from '../domain/payment-metrics.ts';
import { type PaymentResult, refundKey, retryDelayMs } from '../domain/payment-rules.ts';
import type { PaymentProvider, ProviderOutcome } from '../domain/provider.ts';
import { Payment, Refund } from '../persistence/entities.ts';
import { findPayment, leaseDue, postponeTry } from '../persistence/payments.ts';
import { recordPaymentOutcome } from '../use-cases/record-payment-outcome.ts';
import { type RefundResult, recordRefundOutcome } from '../use-cases/record-refund-outcome.ts';

export interface ProviderWorkerOptions {
  orm: MikroORM;
  provider: PaymentProvider;
  logger: Logger;
  maxTries: number;
  refundMaxTries: number;
  retryBaseMs: number;
  pollMs: number;
  /** How long a leased row stays invisible to other workers: longer than one provider call. */
  leaseMs: number;
  /** Charges handed off at commit that may be in flight at once (default 20); beyond, the poll's turn. */
  handOffLimit?: number;
  /** payments_total and refunds_total (the app's registry); none in tests of the worker alone */
  metrics?: PaymentMetrics;
}

const HAND_OFF_LIMIT = 20;

export class ProviderWorker {
  readonly #o: ProviderWorkerOptions;
  readonly #loop: DrainLoop;
  #stopped = false;
  readonly #handedOff = new Set<Promise<void>>();

  constructor(opts: ProviderWorkerOptions) {
    this.#o = opts;
    this.#loop = drainLoop(
      () => this.#runBatch(),
      (err) => {
        // The database restarting is no bug: the rows wait and the next poll takes them.
        if (isConnectionError(err))
          opts.logger.warn({ err }, 'provider worker: database unavailable; retrying next poll');
        else opts.logger.error({ err }, 'provider worker run failed');
      },
    );
  }

  start(): void {
    this.#loop.poll(this.#o.pollMs);
  }

  /** Looks for due work now (new work was just recorded). */
  kick(): void {
    this.#loop.wake();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([this.#loop.stop(), ...this.#handedOff]);
  }

  /** What a lease lasts: a row recorded for `handOff` is inserted with it. */
  get leaseMs(): number {
    return this.#o.leaseMs;
  }

  /**
   * Whether a payment recorded now should be leased to this process and handed to it at commit.
   * Checked before the insert; transactions between the check and their commit can overshoot the
   * limit by at most the consumer's prefetch. When false, the row is left due for the poll, whose
   * batches keep the number of provider calls in flight bounded.
   */
  takesHandOff(): boolean {
    return !this.#stopped && this.#handedOff.size < (this.#o.handOffLimit ?? HAND_OFF_LIMIT);
  }

  /**
   * Charges a payment its creator leased to this process (`tries` 1), after the creating transaction
   * committed. Stopped: left alone; the lease expires and a poll takes it.
   */
  handOff(payment: Payment): void {
    if (this.#stopped) return;
    const run = this.#charge(payment)
      .catch((err: unknown) =>
        // Unrecorded, the row stays leased: once the lease expires a poll calls the provider again
        // with the same idempotency key, which answers with the same charge.
        isConnectionError(err)
          ? this.#o.logger.warn({ err, paymentId: payment.id }, 'handed-off charge: database unavailable')
          : this.#o.logger.error({ err, paymentId: payment.id }, 'handed-off charge failed'),
      )
      .finally(() => this.#handedOff.delete(run));
    this.#handedOff.add(run);
  }

  /** Charges a payment its creator recorded already leased (`tries` 1); resolves once the outcome is in. */
  async chargeLeased(payment: Payment): Promise<void> {
    await this.#charge(payment);
  }

  /** Charges this payment now if it is due. */
  async processPayment(id: string): Promise<void> {
    const [leased] = await this.#lease(Payment, 'payment', id);
    if (leased) await this.#charge(leased);
  }

  /** Sends a refund its creator recorded already leased (`tries` 1); resolves once the outcome is in. */
  async refundLeased(refund: Refund): Promise<void> {
    await this.#refund(refund);
  }

  async processRefund(id: string): Promise<void> {
    const [leased] = await this.#lease(Refund, 'refund', id);
    if (leased) await this.#refund(leased);
  }

  async #runBatch(): Promise<number> {
    const [payments, refunds] = await Promise.all([
      this.#lease(Payment, 'payment'),
      this.#lease(Refund, 'refund'),
    ]);
    await Promise.all([...payments.map((p) => this.#charge(p)), ...refunds.map((r) => this.#refund(r))]);
    return payments.length + refunds.length;
  }

  /** Leases due rows; the same statement returns them as leased (`tries` counted): no second read. */
  #lease<T extends Payment | Refund>(
    entity: new () => T,
    table: 'payment' | 'refund',
    id?: string,
  ): Promise<T[]> {
    return leaseDue(this.#o.orm.em.fork(), entity, table, this.#o.leaseMs, id);
  }

  /** Calls the provider for a payment leased to this process (`tries` includes this call). */
  async #charge(payment: Payment): Promise<void> {
    const { maxTries, logger } = this.#o;
    const { id, tries } = payment;
    // More leases than allowed calls means earlier calls were cut short (a crash): give up as the
    // last call would have.
    const outcome: ProviderOutcome =
      tries > maxTries
        ? { kind: 'unavailable', detail: 'too many tries' }
        : await this.#o.provider.charge({
            amount: normalizeAmount(payment.amount),
            currency: payment.currency.trim(),
            token: payment.paymentMethod.token,
            reference: payment.orderId,
            idempotencyKey: payment.idempotencyKey,
          });
    if (outcome.kind === 'unavailable') {
      logger.warn({ paymentId: id, tries, detail: outcome.detail }, 'payment provider unavailable');
      if (tries < maxTries) return this.#backoff('payment', id, tries);
      return this.#finishPayment(payment, { status: 'failed', reason: 'provider_unavailable' });
    }
    if (outcome.kind === 'refused')
      return this.#finishPayment(payment, { status: 'failed', reason: outcome.reason });
    return this.#finishPayment(payment, { status: 'succeeded', providerRef: outcome.providerRef });
  }

  async #backoff(table: 'payment' | 'refund', id: string, tries: number): Promise<void> {
    const delay = retryDelayMs(tries, this.#o.retryBaseMs);
    await postponeTry(this.#o.orm.em.fork(), table, id, delay);
    const timer = setTimeout(() => this.kick(), delay + 10);
    timer.unref();
  }

  /** Records the outcome and its event (see recordPaymentOutcome); a late capture's refund is due at once. */
  async #finishPayment(payment: Payment, result: PaymentResult): Promise<void> {
    if (await recordPaymentOutcome(this.#o.orm, payment, result, this.#o.metrics)) this.kick();
  }

  /** Calls the provider for a refund leased to this process (`tries` includes this call). */
  async #refund(refund: Refund): Promise<void> {
    const { refundMaxTries, logger } = this.#o;
    const { id, tries } = refund;
    const payment = await findPayment(this.#o.orm.em.fork(), refund.paymentId);
    if (!payment?.providerRef) {
      return this.#finishRefund(id, { status: 'failed', reason: 'payment_not_captured' });
    }
    const outcome: ProviderOutcome =
      tries > refundMaxTries
        ? { kind: 'unavailable', detail: 'too many tries' }
        : await this.#o.provider.refund({
            charge: payment.providerRef,
            amount: normalizeAmount(refund.amount),
            idempotencyKey: refundKey(refund),
          });
    if (outcome.kind === 'unavailable') {
      logger.warn(
        { refundId: id, tries, detail: outcome.detail },
        'payment provider unavailable for a refund',
      );
      if (tries < refundMaxTries) return this.#backoff('refund', id, tries);
      logger.error({ refundId: id, paymentId: payment.id }, 'refund given up: needs a manual refund');
      return this.#finishRefund(id, { status: 'failed', reason: 'provider_unavailable' });
    }
    if (outcome.kind === 'refused') {
      // Final: a return's refund in particular is not asked again (one per return), so it is settled by hand.
      logger.warn(
        {
          refundId: id,
          paymentId: payment.id,
          returnId: refund.returnId ?? undefined,
          reason: outcome.reason,
        },
        'refund refused by the provider',
      );
      return this.#finishRefund(id, { status: 'failed', reason: outcome.reason });
    }
    return this.#finishRefund(id, { status: 'succeeded', providerRef: outcome.providerRef });
  }

  #finishRefund(id: string, result: RefundResult): Promise<void> {
    return recordRefundOutcome(this.#o.orm, id, result, this.#o.metrics);
  }
}
