// The one adapter to the payment provider (the fake one locally; a real one is the same HTTP shape).
// It turns every answer into one of three outcomes the rest of the service reasons about: done,
// refused for good (a decline: retrying cannot help), or unavailable (timeout, 5xx, network: the same
// request with the same idempotency key may be sent again).
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

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

/** An answer of the provider: its status and its body as JSON (`{}` when it is not JSON). */
interface ProviderAnswer {
  status: number;
  body: Record<string, unknown>;
}

class ProviderTimeout extends Error {
  constructor() {
    super('timeout');
    this.name = 'TimeoutError';
  }
}

/**
 * One POST with node:http on keep-alive connections. Not `fetch`: its web streams, Headers and
 * Response objects and the AbortSignal timer were a quarter of the payments service's CPU under
 * bench:orders (one call per order), for a request whose whole body fits one chunk.
 * `timeoutMs` covers the answer's body too.
 */
function postJson(
  url: URL,
  agent: HttpAgent,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<ProviderAnswer> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<ProviderAnswer>((resolve, reject) => {
    const req = send(url, {
      method: 'POST',
      agent,
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new ProviderTimeout());
    }, timeoutMs);
    // Whichever of the request and the response reports the failure first settles it (a timeout
    // while the body arrives may surface on either).
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(timedOut ? new ProviderTimeout() : err);
    };
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', fail);
      res.on('aborted', () => fail(new Error('provider connection closed mid-answer')));
      res.on('end', () => {
        clearTimeout(timer);
        let parsed: unknown;
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          parsed = undefined; // not JSON: treated as an empty answer
        }
        const answer = parsed !== null && typeof parsed === 'object' ? parsed : {};
        resolve({ status: res.statusCode ?? 0, body: answer as Record<string, unknown> });
      });
    });
    req.end(body);
  });
}

export function httpPaymentProvider(opts: { baseUrl: string; timeoutMs: number }): PaymentProvider {
  const base = opts.baseUrl.replace(/\/+$/, '');
  // Connections to the provider are reused (idle ones do not keep the process alive).
  const agent = base.startsWith('https:')
    ? new HttpsAgent({ keepAlive: true })
    : new HttpAgent({ keepAlive: true });

  const post = async (path: string, idempotencyKey: string, body: unknown): Promise<ProviderOutcome> => {
    let res: ProviderAnswer;
    try {
      res = await postJson(
        new URL(`${base}${path}`),
        agent,
        { 'idempotency-key': idempotencyKey },
        JSON.stringify(body),
        opts.timeoutMs,
      );
    } catch (err) {
      const e = err as Error;
      return { kind: 'unavailable', detail: e.name === 'TimeoutError' ? 'timeout' : e.message };
    }
    const answer = res.body;
    const ok = res.status >= 200 && res.status < 300;
    if (res.status >= 500 || res.status === 429 || res.status === 408)
      return { kind: 'unavailable', detail: `provider answered ${res.status}` };
    if (ok && typeof answer.id === 'string' && answer.status === 'succeeded')
      return { kind: 'succeeded', providerRef: answer.id };
    if (ok) return { kind: 'unavailable', detail: `unexpected provider answer (${res.status})` };
    const reason = typeof answer.error === 'string' && answer.error ? answer.error : `provider_${res.status}`;
    return { kind: 'refused', reason };
  };

  return {
    charge: ({ idempotencyKey, ...body }) => post('/v1/charges', idempotencyKey, body),
    refund: ({ idempotencyKey, ...body }) => post('/v1/refunds', idempotencyKey, body),
  };
}
