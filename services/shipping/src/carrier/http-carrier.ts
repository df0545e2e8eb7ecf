// The HTTP adapter to the carrier's API (the fake carrier locally; a real one is the same shape):
// `POST /v1/parcels` with the parcel as JSON and its reference as the Idempotency-Key, so a booking
// retried after a timeout books one parcel. Every answer becomes one of three outcomes (as the payment
// provider's adapter does): booked; refused for good (a 4xx about the parcel: retrying the same
// request cannot help); unavailable (timeout, network, 5xx, 408, 429, and 401/403, whose cause is our
// credentials, not the parcel: once they are fixed the same request books, so it is tried again).
import type { BookingOutcome, Carrier, CarrierParcel } from './carrier.ts';

export interface HttpCarrierOptions {
  /** The carrier's API root, e.g. http://127.0.0.1:3098 */
  baseUrl: string;
  /** A booking not answered (body included) within this is unavailable, and retried later. */
  timeoutMs: number;
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  apiKey?: string;
}

// What can be printed as Code 128 on the label and stored as the webhook's trackingNumber.
const TRACKING_NUMBER = /^[\x21-\x7e]{1,100}$/;

export function httpCarrier(opts: HttpCarrierOptions): Carrier {
  const base = opts.baseUrl.replace(/\/+$/, '');
  return {
    name: 'http-carrier',
    async book(parcel: CarrierParcel): Promise<BookingOutcome> {
      let res: Response;
      let answer: Record<string, unknown>;
      try {
        res = await fetch(`${base}/v1/parcels`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'idempotency-key': parcel.reference,
            ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
          },
          body: JSON.stringify(parcel),
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
        // The timeout covers the body too; a body that is not JSON is treated as an empty answer.
        answer = (await res.json().catch((err: Error) => {
          if (err.name === 'TimeoutError' || err.name === 'AbortError') throw err;
          return {};
        })) as Record<string, unknown>;
      } catch (err) {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        if (e.name === 'TimeoutError') return { kind: 'unavailable', detail: 'timeout' };
        // fetch says only "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND, ...).
        const why = e.cause?.code ?? e.cause?.message;
        return { kind: 'unavailable', detail: why ? `${e.message} (${why})` : e.message };
      }
      const status = res.status;
      if (status >= 500 || [401, 403, 408, 429].includes(status))
        return { kind: 'unavailable', detail: `carrier answered ${status}${describe(answer, ': ')}` };
      if (res.ok) {
        const { carrier, trackingNumber } = answer;
        if (typeof trackingNumber === 'string' && TRACKING_NUMBER.test(trackingNumber))
          return {
            kind: 'booked',
            parcel: {
              carrier: typeof carrier === 'string' && carrier ? carrier : new URL(base).host,
              trackingNumber,
            },
          };
        return {
          kind: 'unavailable',
          detail: `unexpected carrier answer (${status}): no usable trackingNumber`,
        };
      }
      return { kind: 'refused', reason: describe(answer, '') || `carrier_${status}` };
    },
  };
}

/** The carrier's words for a refusal: its `error` code (and `message`), or a problem's `detail`. */
function describe(answer: Record<string, unknown>, prefix: string): string {
  const text = (key: string) =>
    typeof answer[key] === 'string' && answer[key] ? (answer[key] as string) : '';
  const error = text('error');
  const words = error ? [error, text('message')].filter(Boolean).join(': ') : text('detail') || text('title');
  return words ? `${prefix}${words.slice(0, 300)}` : '';
}
