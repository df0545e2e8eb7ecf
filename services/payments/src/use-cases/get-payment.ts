import type { MikroORM } from '@mercato/db';
import { findPayment, refundsOf } from '../persistence/payments.ts';
import type { PaymentWithRefunds } from './list-payments.ts';
import { type Viewer, visible } from './visibility.ts';

/** One payment with its refunds; someone else's is a 404. */
export async function getPayment(orm: MikroORM, viewer: Viewer, id: string): Promise<PaymentWithRefunds> {
  const em = orm.em.fork();
  const payment = visible(await findPayment(em, id), viewer, 'payment');
  return { payment, refunds: await refundsOf(em, [payment.id]) };
}
