// Opaque bearer secrets (a guest cart's token, an invoice's download token, ...): 32 random bytes as
// base64url (43 characters), unguessable, shown once; the service keeps only their SHA-256 (hex), so
// a leaked table hands out nothing. A fast hash is enough: the input has 256 bits of entropy (argon2
// is for low-entropy passwords).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a token looks like (for a TypeBox `pattern`: malformed input is a 400 before any lookup). */
export const OPAQUE_TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';
const TOKEN = new RegExp(OPAQUE_TOKEN_PATTERN);

export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

export function isWellFormedOpaqueToken(token: string): boolean {
  return TOKEN.test(token);
}

/** The SHA-256 of the token, hex: what is stored and looked up. */
export function opaqueTokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether `token` is the one whose digest is stored (constant time; false when none is stored). */
export function opaqueTokenMatches(token: string, storedDigest: string | null | undefined): boolean {
  if (!storedDigest) return false;
  const a = Buffer.from(opaqueTokenDigest(token), 'hex');
  const b = Buffer.from(storedDigest, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
