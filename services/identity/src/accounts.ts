// User accounts: creation (register, admin, the configured first admin), password hashing and the
// uniqueness rules. Shared by the routes and by start-up.
import type { EntityManager } from '@mercato/db';
import { problems, type Role } from '@mercato/kit';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { hash, verify } from '@node-rs/argon2';
import { uuidv7 } from 'uuidv7';
import { passwordWeaknesses } from './domain/password-policy.ts';
import { User } from './entities.ts';
import { userRegistered } from './events.ts';

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

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
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

const likeEscape = (s: string) => s.replace(/[\\%_]/g, '\\$&');

/** 409 when the e-mail or the username (any case) belongs to another user. */
export async function assertUnique(
  em: EntityManager,
  fields: { email?: string; username?: string },
  exceptUserId?: string,
): Promise<void> {
  const or: object[] = [];
  if (fields.email) or.push({ email: fields.email });
  if (fields.username) or.push({ username: { $ilike: likeEscape(fields.username) } });
  if (or.length === 0) return;
  const taken = await em.find(User, {
    $or: or,
    ...(exceptUserId ? { id: { $ne: exceptUserId } } : {}),
  } as never);
  if (taken.some((u) => u.email === fields.email))
    throw problems.conflict('This e-mail address is already registered', { field: 'email' });
  if (taken.length > 0) throw problems.conflict('This username is already taken', { field: 'username' });
}

/** Turns the database's uniqueness check (the race the pre-check cannot close) into a 409. */
export async function flushUnique(em: EntityManager): Promise<void> {
  try {
    await em.flush();
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) {
      const field = String(err.message).includes('username') ? 'username' : 'email';
      throw problems.conflict(`This ${field === 'email' ? 'e-mail address' : 'username'} is already in use`, {
        field,
      });
    }
    throw err;
  }
}

export interface NewUser {
  email: string;
  username: string;
  password: string;
  name?: string;
  role: Role;
}

/** Validates, creates the user and records `user.registered`, all in the caller's transaction. */
export async function createUser(em: EntityManager, input: NewUser): Promise<User> {
  const email = normalizeEmail(input.email);
  assertStrongPassword(input.password, { email, username: input.username });
  await assertUnique(em, { email, username: input.username });
  const now = new Date();
  const user = em.create(User, {
    id: uuidv7(),
    email,
    username: input.username,
    name: input.name ?? null,
    passwordHash: await hashPassword(input.password),
    role: input.role,
    active: true,
    createdAt: now,
    updatedAt: now,
  });
  await userRegistered(em, user);
  await flushUnique(em);
  return user;
}

/**
 * The first admin, from configuration, created when no user has that e-mail. Two replicas starting
 * at once both try; the unique index lets one win and the other finds the row.
 */
export async function ensureAdmin(
  em: EntityManager,
  admin: { email: string; password: string },
): Promise<'created' | 'present'> {
  const email = normalizeEmail(admin.email);
  if (await em.findOne(User, { email })) return 'present';
  const username =
    email
      .split('@')[0]!
      .replace(/[^a-zA-Z0-9_.-]/g, '_')
      .slice(0, 32) || 'admin';
  try {
    await em.transactional(async (tx) => {
      // The admin's username may already be a customer's: fall back to a unique one.
      const clash = await tx.findOne(User, { username: { $ilike: likeEscape(username) } });
      await createUser(tx, {
        email,
        username: clash ? `${username}-${uuidv7().slice(-8)}` : username,
        password: admin.password,
        role: 'admin',
      });
    });
    return 'created';
  } catch (err) {
    if ((err as { status?: number }).status === 409) return 'present';
    throw err;
  }
}

/** Demoting or deactivating the only active admin would leave nobody able to manage users. */
export async function assertNotLastAdmin(em: EntityManager, userId: string): Promise<void> {
  const others = await em.count(User, { role: 'admin', active: true, id: { $ne: userId } });
  if (others === 0) throw problems.conflict('This is the last active admin: appoint another admin first');
}
