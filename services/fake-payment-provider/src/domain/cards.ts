// The test cards the fake provider understands, by token or by card number (Stripe's conventions).

export type CardBehaviour = 'succeed' | 'decline' | 'hang';

const CARDS: Record<string, CardBehaviour> = {
  tok_visa: 'succeed',
  '4242424242424242': 'succeed',
  tok_chargeDeclined: 'decline',
  '4000000000000002': 'decline',
  tok_timeout: 'hang',
  '4000000000000119': 'hang',
};

/** What a charge with this token does; undefined for a token the provider does not know. */
export function behaviourOf(token: string): CardBehaviour | undefined {
  // Card numbers are often written in groups: "4242 4242 4242 4242".
  return CARDS[token] ?? CARDS[token.replace(/[\s-]/g, '')];
}
