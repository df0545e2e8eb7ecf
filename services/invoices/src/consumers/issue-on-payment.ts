// payment.succeeded → the order's invoice (one per order, whatever is redelivered).
import type { PaymentSucceeded } from '@mercato/contracts';
import type { EventHandler } from '@mercato/messaging';
import { recordPayment } from '../use-cases/record-payment.ts';

export const issueOnPaymentSucceeded: EventHandler<PaymentSucceeded, 'payment.succeeded'> = (event, em) =>
  recordPayment(em, event.data, event.id);
