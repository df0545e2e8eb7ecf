// Guest cart tokens: the kit's opaque tokens (32 random bytes, base64url, 43 characters), unguessable;
// only their SHA-256 is stored, so a leaked table does not hand out carts.
import {
  isWellFormedOpaqueToken,
  newOpaqueToken,
  OPAQUE_TOKEN_PATTERN,
  opaqueTokenDigest,
} from '@mercato/kit';

export const TOKEN_PATTERN = OPAQUE_TOKEN_PATTERN;

export function newCartToken(): string {
  return newOpaqueToken();
}

export function isWellFormedToken(token: string): boolean {
  return isWellFormedOpaqueToken(token);
}

export function hashCartToken(token: string): string {
  return opaqueTokenDigest(token);
}
