// Opaque secrets (refresh and password-reset tokens) are random, shown to the client once, and kept
// only as a SHA-256 digest: a leaked table does not hand out sessions. A fast hash is enough here
// because the input has 256 bits of entropy (argon2 is for low-entropy passwords).
import { createHash, randomBytes } from 'node:crypto';

export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

export function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
