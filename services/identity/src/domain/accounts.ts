// Rules about account names.
import { problems } from '@mercato/kit';

/** E-mail addresses are compared case-insensitively: stored and looked up lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The first admin's username, derived from its e-mail's local part. */
export function usernameFromEmail(email: string): string {
  return (
    email
      .split('@')[0]!
      .replace(/[^a-zA-Z0-9_.-]/g, '_')
      .slice(0, 32) || 'admin'
  );
}

/**
 * What an erased account's row holds instead of the e-mail and the username: unique (the id), never
 * anyone's real address (`.invalid` is reserved, RFC 2606, and refused as an account's e-mail), so the
 * real address is free to register again.
 */
export function erasedPlaceholders(userId: string): { email: string; username: string } {
  return { email: `erased-${userId}@erased.invalid`, username: `erased-${userId}` };
}

/** An address in the reserved `invalid` domain can receive no mail (and is the erased placeholder). */
export function isUndeliverable(email: string): boolean {
  const domain = email.slice(email.lastIndexOf('@') + 1);
  return domain === 'invalid' || domain.endsWith('.invalid');
}

/** 400 for an address no verification link could reach. `email` normalized. */
export function assertDeliverable(email: string): void {
  if (isUndeliverable(email))
    throw problems.badRequest('This e-mail address cannot receive mail', {
      errors: [{ path: 'body/email', message: 'is in the reserved domain "invalid"' }],
    });
}
