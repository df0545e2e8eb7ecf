// The carrier signs each webhook request: header `Carrier-Signature: t=<unix seconds>,v1=<hex>` where
// v1 = HMAC-SHA256(secret, `${t}.${raw body}`). The timestamp is inside the MAC, so an old request
// cannot be re-dated; a request replayed within the tolerance is caught by its signature being seen
// before (the webhook route remembers signatures for the tolerance window).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'carrier-signature';

export function signWebhook(secret: string, rawBody: string, timestamp: number): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

export type SignatureCheck =
  | { ok: true; timestamp: number; signature: string }
  | { ok: false; reason: 'missing-signature' | 'bad-signature' | 'stale-timestamp' };

export function verifyWebhookSignature(input: {
  header: string | string[] | undefined;
  rawBody: string;
  secret: string;
  toleranceSeconds: number;
  now?: Date;
}): SignatureCheck {
  const header = Array.isArray(input.header) ? input.header[0] : input.header;
  if (!header) return { ok: false, reason: 'missing-signature' };
  const parts = new Map(
    header.split(',').map((kv) => {
      const i = kv.indexOf('=');
      return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()] as const;
    }),
  );
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isSafeInteger(t) || !/^[0-9a-f]{64}$/.test(v1)) return { ok: false, reason: 'bad-signature' };
  const expected = createHmac('sha256', input.secret).update(`${t}.${input.rawBody}`).digest();
  if (!timingSafeEqual(expected, Buffer.from(v1, 'hex'))) return { ok: false, reason: 'bad-signature' };
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - t) > input.toleranceSeconds) return { ok: false, reason: 'stale-timestamp' };
  return { ok: true, timestamp: t, signature: v1 };
}
