// Password hashing (argon2id) and the strength check that every way of setting a password applies.
import { problems } from '@mercato/kit';
import { hash, verify } from '@node-rs/argon2';
import { passwordWeaknesses } from './password-policy.ts';

// Algorithm.Argon2id; the package's enum is a `const enum`, which isolated modules cannot read.
const ARGON2 = { algorithm: 2 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

// Verifying against this when the user does not exist keeps "no such user" as slow as "wrong password".
let dummyHash: Promise<string> | undefined;
export async function verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  dummyHash ??= hashPassword('not-a-real-password-0');
  const target = passwordHash ?? (await dummyHash);
  const ok = await verify(target, password).catch(() => false);
  return ok && passwordHash !== undefined;
}

/** 400 with one entry per reason, so a client can show all of them at once. */
export function assertStrongPassword(password: string, identity: { email?: string; username?: string }) {
  const reasons = passwordWeaknesses(password, identity);
  if (reasons.length > 0) {
    throw problems.badRequest(`The password is too weak: it ${reasons.join('; it ')}`, {
      errors: reasons.map((message) => ({ path: 'body/password', message })),
    });
  }
}
