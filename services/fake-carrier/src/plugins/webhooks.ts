// Sending tracking events to WEBHOOK_URL, signed, as the carrier would. One POST per call: no retry
// (tests, and people, redeliver by hand), a timeout, and every attempt kept on the event. Requests
// in flight are cut when the app closes rather than holding the shutdown up to their timeout.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.ts';
import type { EventRecord } from '../domain/parcels.ts';
import { SIGNATURE_HEADER, signatureHeader } from '../domain/signature.ts';

/** What was sent and what came back: enough for a test to send the very same request again. */
export interface Delivery {
  /** The webhook's HTTP status; null when it did not answer (timeout, refused connection). */
  status: number | null;
  error?: string;
  headers: { [SIGNATURE_HEADER]: string };
  /** The raw body, byte for byte what was signed. */
  body: string;
}

export class WebhookSender {
  readonly #closing = new AbortController();

  constructor(
    private readonly config: Pick<Config, 'WEBHOOK_URL' | 'WEBHOOK_SECRET' | 'WEBHOOK_TIMEOUT_MS'>,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** POSTs the event with a fresh signature; records the attempt on it. Never throws. */
  async deliver(record: EventRecord): Promise<Delivery> {
    const timestamp = record.nextSignatureTimestamp(Math.floor(Date.now() / 1000));
    const signature = signatureHeader(this.config.WEBHOOK_SECRET, record.body, timestamp);
    const at = new Date().toISOString();
    let status: number | null = null;
    let error: string | undefined;
    try {
      const res = await fetch(this.config.WEBHOOK_URL, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signature,
          'user-agent': 'fake-carrier/0.1',
        },
        body: record.body,
        signal: AbortSignal.any([AbortSignal.timeout(this.config.WEBHOOK_TIMEOUT_MS), this.#closing.signal]),
      });
      // Read (and drop) the answer, under the same timeout, so the connection is released.
      await res.arrayBuffer();
      status = res.status;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      error =
        e.name === 'TimeoutError' ? 'timeout' : e.cause?.code ? `${e.message} (${e.cause.code})` : e.message;
    }
    record.deliveries.push({ at, status, ...(error ? { error } : {}) });
    const { eventId, trackingNumber, status: event } = record.event;
    if (status !== null && status < 300)
      this.log.info({ eventId, trackingNumber, event, status }, 'webhook delivered');
    else
      this.log.warn({ eventId, trackingNumber, event, status, error }, 'webhook not accepted (not retried)');
    return {
      status,
      ...(error ? { error } : {}),
      headers: { [SIGNATURE_HEADER]: signature },
      body: record.body,
    };
  }

  /** Cuts the deliveries in flight (they end as errors) and any made afterwards. */
  close(): void {
    this.#closing.abort(new Error('the carrier is shutting down'));
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Signs and POSTs tracking events to WEBHOOK_URL. */
    webhooks: WebhookSender;
  }
}

export default fp(
  async (
    app: FastifyInstance,
    opts: { config: Pick<Config, 'WEBHOOK_URL' | 'WEBHOOK_SECRET' | 'WEBHOOK_TIMEOUT_MS'> },
  ) => {
    const sender = new WebhookSender(opts.config, app.log);
    app.decorate('webhooks', sender);
    // preClose runs before the server waits for requests in flight: those waiting on a webhook end now.
    app.addHook('preClose', async () => sender.close());
  },
  { name: 'webhooks' },
);
