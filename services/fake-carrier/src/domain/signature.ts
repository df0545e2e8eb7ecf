// How the carrier signs a webhook request, as a third party documents it: header
// `Carrier-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. Written here
// on its own (not imported from shipping): this service stands for the carrier, and shipping's
// verifier is tested against what it sends.
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'carrier-signature';

export function signatureHeader(secret: string, rawBody: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}
