import type { ChargeOutcome } from '../../domain/ledger.ts';

/** How the provider answers a charge: like a third party ({ error } bodies, 402 on a decline). */
export function chargeAnswer(outcome: Exclude<ChargeOutcome, { result: 'hang' }>): {
  status: number;
  body: Record<string, unknown>;
} {
  switch (outcome.result) {
    case 'succeeded': {
      const { id, status, amount, currency } = outcome.charge;
      return { status: 201, body: { id, status, amount, currency } };
    }
    case 'card_declined':
      return { status: 402, body: { error: 'card_declined' } };
    case 'invalid_card':
      return { status: 400, body: { error: 'invalid_card' } };
  }
}
