// Guest cart tokens: 32 random bytes (base64url, 43 characters), unguessable; only their SHA-256 is
// stored, so a leaked table does not hand out carts.
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';
const TOKEN = new RegExp(TOKEN_PATTERN);

export function newCartToken(): string {
  return randomBytes(32).toString('base64url');
}

export function isWellFormedToken(token: string): boolean {
  return TOKEN.test(token);
}

export function hashCartToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
