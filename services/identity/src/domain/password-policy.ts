// What makes a password acceptable. Length matters most; the class rule only rejects the trivially
// guessable ("aaaaaaaaaaaa", "1234567890"), and a password that is the user's own name is no secret.
export const PASSWORD_MIN_LENGTH = 10;
// argon2 cost grows with input: an upper bound keeps one request from being a CPU bomb.
export const PASSWORD_MAX_LENGTH = 256;

const CLASSES: RegExp[] = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/];

/** Returns why `password` is too weak (empty when it is acceptable). */
export function passwordWeaknesses(
  password: string,
  identity: { email?: string; username?: string },
): string[] {
  const reasons: string[] = [];
  if ([...password].length < PASSWORD_MIN_LENGTH)
    reasons.push(`must be at least ${PASSWORD_MIN_LENGTH} characters long`);
  if (password.length > PASSWORD_MAX_LENGTH)
    reasons.push(`must be at most ${PASSWORD_MAX_LENGTH} characters long`);
  const classes = CLASSES.filter((c) => c.test(password)).length;
  if (classes < 2)
    reasons.push('must mix at least two kinds of characters (lower case, upper case, digits, symbols)');
  const lower = password.toLowerCase();
  const email = identity.email?.toLowerCase();
  const localPart = email?.split('@')[0];
  if (email && (lower === email || lower === localPart)) reasons.push('must not be your e-mail address');
  if (identity.username && lower === identity.username.toLowerCase())
    reasons.push('must not be your username');
  return reasons;
}
