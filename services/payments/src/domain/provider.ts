// The one adapter to the payment provider (the fake one locally; a real one is the same HTTP shape).
// It turns every answer into one of three outcomes the rest of the service reasons about: done,
// refused for good (a decline: retrying cannot help), or unavailable (timeout, 5xx, network: the same
// request with the same idempotency key may be sent again).

export type ProviderOutcome =
  | { kind: 'succeeded'; providerRef: string }
  | { kind: 'refused'; reason: string }
  | { kind: 'unavailable'; detail: string };

export interface PaymentProvider {
  charge(req: {
    amount: string;
    currency: string;
    token: string;
    reference: string;
    idempotencyKey: string;
  }): Promise<ProviderOutcome>;
  refund(req: { charge: string; amount: string; idempotencyKey: string }): Promise<ProviderOutcome>;
}

export function httpPaymentProvider(opts: { baseUrl: string; timeoutMs: number }): PaymentProvider {
  const base = opts.baseUrl.replace(/\/+$/, '');

  const post = async (path: string, idempotencyKey: string, body: unknown): Promise<ProviderOutcome> => {
    let res: Response;
    let answer: Record<string, unknown>;
    try {
      res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      // The timeout covers the body too; a body that is not JSON is treated as an empty answer.
      answer = (await res.json().catch((err: Error) => {
        if (err.name === 'TimeoutError' || err.name === 'AbortError') throw err;
        return {};
      })) as Record<string, unknown>;
    } catch (err) {
      const e = err as Error;
      return { kind: 'unavailable', detail: e.name === 'TimeoutError' ? 'timeout' : e.message };
    }
    if (res.status >= 500 || res.status === 429 || res.status === 408)
      return { kind: 'unavailable', detail: `provider answered ${res.status}` };
    if (res.ok && typeof answer.id === 'string' && answer.status === 'succeeded')
      return { kind: 'succeeded', providerRef: answer.id };
    if (res.ok) return { kind: 'unavailable', detail: `unexpected provider answer (${res.status})` };
    const reason = typeof answer.error === 'string' && answer.error ? answer.error : `provider_${res.status}`;
    return { kind: 'refused', reason };
  };

  return {
    charge: ({ idempotencyKey, ...body }) => post('/v1/charges', idempotencyKey, body),
    refund: ({ idempotencyKey, ...body }) => post('/v1/refunds', idempotencyKey, body),
  };
}
