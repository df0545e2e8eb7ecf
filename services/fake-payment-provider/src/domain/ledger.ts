// The fake provider's books, in memory: charges, what was refunded of them, and the outcome of every
// request made with an idempotency key. Forgotten on restart, like the provider itself.
import { uuidv7 } from 'uuidv7';
import { behaviourOf } from './cards.ts';

export interface Charge {
  id: string;
  status: 'succeeded';
  amount: string;
  currency: string;
  reference: string;
  /** in 1/10_000 units, so refunds never exceed the charge */
  refundedUnits: bigint;
}

export interface Refund {
  id: string;
  status: 'succeeded';
  charge: string;
  amount: string;
}

export interface ChargeRequest {
  amount: string;
  currency: string;
  token: string;
  reference: string;
}

export type ChargeOutcome =
  | { result: 'succeeded'; charge: Charge }
  | { result: 'card_declined' }
  | { result: 'invalid_card' }
  /** a "timeout" card: the request is never answered */
  | { result: 'hang' };

export type RefundOutcome =
  | { result: 'succeeded'; refund: Refund }
  | { result: 'no_such_charge' }
  | { result: 'amount_too_large' };

/** What a request gets, and whether it is the replay of an earlier one with the same key. */
export interface Answered<T> {
  outcome: T;
  replayed: boolean;
}

const toUnits = (amount: string): bigint => {
  const [whole, fraction = ''] = amount.split('.');
  return BigInt(whole!) * 10_000n + BigInt(fraction.padEnd(4, '0'));
};

const newId = (prefix: string) => `${prefix}_${uuidv7().replace(/-/g, '')}`;

export class Ledger {
  private readonly charges = new Map<string, Charge>();
  // Outcomes by idempotency key: a retried request gets exactly the first answer (declines included).
  private readonly charged = new Map<string, ChargeOutcome>();
  private readonly refunded = new Map<string, RefundOutcome>();

  /** The key is required, as Stripe's is for charges. A hanging charge is not remembered. */
  charge(idempotencyKey: string, request: ChargeRequest): Answered<ChargeOutcome> {
    const known = this.charged.get(idempotencyKey);
    if (known) return { outcome: known, replayed: true };
    const behaviour = behaviourOf(request.token);
    if (behaviour === 'hang') return { outcome: { result: 'hang' }, replayed: false };
    let outcome: ChargeOutcome;
    if (behaviour === 'decline') {
      outcome = { result: 'card_declined' };
    } else if (behaviour === 'succeed') {
      const charge: Charge = {
        id: newId('ch'),
        status: 'succeeded',
        amount: request.amount,
        currency: request.currency,
        reference: request.reference,
        refundedUnits: 0n,
      };
      this.charges.set(charge.id, charge);
      outcome = { result: 'succeeded', charge };
    } else {
      outcome = { result: 'invalid_card' };
    }
    this.charged.set(idempotencyKey, outcome);
    return { outcome, replayed: false };
  }

  /** Refunds (part of) a charge; without a key a retry refunds again. */
  refund(idempotencyKey: string | undefined, chargeId: string, amount: string): Answered<RefundOutcome> {
    const known = idempotencyKey === undefined ? undefined : this.refunded.get(idempotencyKey);
    if (known) return { outcome: known, replayed: true };
    const charge = this.charges.get(chargeId);
    let outcome: RefundOutcome;
    if (!charge) {
      outcome = { result: 'no_such_charge' };
    } else {
      const units = toUnits(amount);
      if (units <= 0n || charge.refundedUnits + units > toUnits(charge.amount)) {
        outcome = { result: 'amount_too_large' };
      } else {
        charge.refundedUnits += units;
        outcome = {
          result: 'succeeded',
          refund: { id: newId('re'), status: 'succeeded', charge: charge.id, amount },
        };
      }
    }
    if (idempotencyKey !== undefined) this.refunded.set(idempotencyKey, outcome);
    return { outcome, replayed: false };
  }
}
