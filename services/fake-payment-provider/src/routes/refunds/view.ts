import type { RefundOutcome } from '../../domain/ledger.ts';

/** How the provider answers a refund: like a third party ({ error } bodies). */
export function refundAnswer(outcome: RefundOutcome): { status: number; body: Record<string, unknown> } {
  switch (outcome.result) {
    case 'succeeded': {
      const { id, status, charge, amount } = outcome.refund;
      return { status: 201, body: { id, status, charge, amount } };
    }
    case 'no_such_charge':
      return { status: 404, body: { error: 'no_such_charge' } };
    case 'amount_too_large':
      return { status: 400, body: { error: 'amount_too_large' } };
  }
}
