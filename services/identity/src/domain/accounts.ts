// Rules about account names.

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
