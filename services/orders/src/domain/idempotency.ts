// What makes two POST /orders "the same request" for an Idempotency-Key: the body, canonicalised
// (key order does not matter, line order does not either: the order it creates is the same).
import { createHash } from 'node:crypto';

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

export function requestFingerprint(body: {
  lines: readonly { productId: string; quantity: number }[];
  [k: string]: unknown;
}): string {
  const lines = [...body.lines]
    .map((l) => canonical(l))
    .map((l) => JSON.stringify(l))
    .sort();
  return createHash('sha256')
    .update(JSON.stringify(canonical({ ...body, lines })))
    .digest('hex');
}
