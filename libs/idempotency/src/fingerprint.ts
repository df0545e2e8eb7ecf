// What makes two requests "the same request" for an Idempotency-Key: a hash of their canonical JSON
// (object keys sorted at every depth), so key order never matters. Only a request that carries a key
// is fingerprinted.
import { createHash } from 'node:crypto';

export interface FingerprintOptions {
  /**
   * Top-level properties holding arrays whose order carries no meaning (orders' `lines`: the order
   * created is the same whatever the line order). Their elements are compared as a set.
   */
  unordered?: readonly string[];
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * The SHA-256 (hex) of `value`'s canonical JSON. An array value is hashed as given
 * (`fingerprint(['refund', paymentId, amount])`), an object with its keys sorted.
 */
export function fingerprint(value: unknown, opts: FingerprintOptions = {}): string {
  let subject = value;
  if (opts.unordered?.length && value && typeof value === 'object' && !Array.isArray(value)) {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const name of opts.unordered) {
      const list = copy[name];
      // Each element as its own canonical JSON text, sorted: the very hash orders computed before
      // this library, so records stored by the previous release keep matching.
      if (Array.isArray(list)) copy[name] = list.map((e) => JSON.stringify(canonical(e))).sort();
    }
    subject = copy;
  }
  return createHash('sha256')
    .update(JSON.stringify(canonical(subject)))
    .digest('hex');
}
