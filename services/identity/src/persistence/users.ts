// The user rows: lookups, the uniqueness checks the database backs up, and the admin count that
// guards the last admin.
import type { EntityManager } from '@mercato/db';
import { problems, type Role } from '@mercato/kit';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { User } from './entities.ts';

const likeEscape = (s: string) => s.replace(/[\\%_]/g, '\\$&');

/** Adds the row to em's unit of work (written by the caller's flush). */
export function addUser(
  em: EntityManager,
  row: {
    id: string;
    email: string;
    username: string;
    name: string | null;
    passwordHash: string;
    role: Role;
    active: boolean;
    emailVerifiedAt: Date | null;
    createdAt: Date;
    updatedAt: Date;
  },
): User {
  return em.create(User, { ...row, erasedAt: null });
}

export function findUser(em: EntityManager, id: string): Promise<User | null> {
  return em.findOne(User, id);
}

/**
 * Serializes changes of one account that read before they write (a resend's interval, an erasure).
 * FOR NO KEY UPDATE: refresh-token inserts (which take the row's key lock for their foreign key) are
 * not held up.
 */
export async function lockUserRow(tx: EntityManager, id: string): Promise<void> {
  await tx.execute('select 1 from app_user where id = ? for no key update', [id]);
}

/** The row as committed now (after a lock), not as an earlier read of this EntityManager saw it. */
export function reloadUser(em: EntityManager, id: string): Promise<User | null> {
  return em.findOne(User, id, { refresh: true });
}

/** The user unless erased: an erased account is gone for every route that names it. */
export async function findLiveUser(em: EntityManager, id: string): Promise<User | null> {
  const user = await findUser(em, id);
  return user && !user.erasedAt ? user : null;
}

/** `email` already normalized (rows hold it lower-cased). */
export function findUserByEmail(em: EntityManager, email: string): Promise<User | null> {
  return em.findOne(User, { email });
}

/** Whether some user has this username in any case. */
export async function usernameTaken(em: EntityManager, username: string): Promise<boolean> {
  return (await em.findOne(User, { username: { $ilike: likeEscape(username) } })) !== null;
}

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

/** Which of the e-mail and the (any case) username are taken, and by whom the e-mail. */
export async function takenFields(
  em: EntityManager,
  fields: { email: string; username: string },
): Promise<{ emailOwner?: string; username: boolean }> {
  const taken = await em.find(User, {
    $or: [{ email: fields.email }, { username: { $ilike: likeEscape(fields.username) } }],
  } as never);
  const owner = taken.find((u) => u.email === fields.email);
  const lower = fields.username.toLowerCase();
  return {
    ...(owner ? { emailOwner: owner.id } : {}),
    username: taken.some((u) => u.username.toLowerCase() === lower),
  };
}

export function isUniqueViolation(err: unknown): boolean {
  return err instanceof UniqueConstraintViolationException;
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

export function countOtherActiveAdmins(em: EntityManager, userId: string): Promise<number> {
  return em.count(User, { role: 'admin', active: true, id: { $ne: userId } });
}

export interface UserFilter {
  role?: Role;
  active?: boolean;
  /** substring, any case */
  email?: string;
}

export function listUsers(
  em: EntityManager,
  filter: UserFilter,
  page: { page: number; pageSize: number },
): Promise<[User[], number]> {
  // Erased accounts are gone (their rows hold placeholders only).
  const where: Record<string, unknown> = { erasedAt: null };
  if (filter.role !== undefined) where.role = filter.role;
  if (filter.active !== undefined) where.active = filter.active;
  if (filter.email !== undefined) where.email = { $ilike: `%${likeEscape(filter.email.toLowerCase())}%` };
  return em.findAndCount(User, where, {
    orderBy: { id: 'asc' },
    limit: page.pageSize,
    offset: (page.page - 1) * page.pageSize,
  });
}
