import type { MikroORM } from '@mercato/db';
import type { PaymentStatus } from '../domain/payment-rules.ts';
import type { Payment, Refund } from '../persistence/entities.ts';
import { findPaymentPage, refundsOf } from '../persistence/payments.ts';
import type { Viewer } from './visibility.ts';

export interface PaymentWithRefunds {
  payment: Payment;
  refunds: Refund[];
}

/** A page of payments, newest first: the viewer's own, or everyone's for an admin. */
export async function listPayments(
  orm: MikroORM,
  viewer: Viewer,
  query: { page: number; pageSize: number; orderId?: string; status?: PaymentStatus },
): Promise<{ items: PaymentWithRefunds[]; total: number }> {
  const em = orm.em.fork();
  const [rows, total] = await findPaymentPage(
    em,
    {
      userId: viewer.role === 'admin' ? undefined : viewer.sub,
      orderId: query.orderId,
      status: query.status,
    },
    query.page,
    query.pageSize,
  );
  const refunds = await refundsOf(
    em,
    rows.map((r) => r.id),
  );
  const items = rows.map((payment) => ({
    payment,
    refunds: refunds.filter((r) => r.paymentId === payment.id),
  }));
  return { items, total };
}
