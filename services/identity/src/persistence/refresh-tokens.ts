// Refresh-token rows: one per token ever issued, grouped in families (one login each); each row
// remembers the access token issued with it.
import type { EntityManager } from '@mercato/db';
import { RefreshToken } from './entities.ts';

/** Which logins a revocation covers: one family, or every family of a user (optionally but one). */
export type LoginScope = { familyId: string } | { userId: string; exceptFamilyId?: string };

function where(scope: LoginScope): Record<string, unknown> {
  if ('familyId' in scope) return { familyId: scope.familyId };
  return scope.exceptFamilyId
    ? { userId: scope.userId, familyId: { $ne: scope.exceptFamilyId } }
    : { userId: scope.userId };
}

/** Adds the row to em's unit of work (written by the caller's flush). */
export function addRefreshToken(
  em: EntityManager,
  row: {
    id: string;
    userId: string;
    familyId: string;
    tokenHash: string;
    accessJti: string;
    accessExpiresAt: Date;
    expiresAt: Date;
    createdAt: Date;
  },
): RefreshToken {
  return em.create(RefreshToken, { rotatedAt: null, revokedAt: null, ...row });
}

export function findRefreshTokenByHash(em: EntityManager, tokenHash: string): Promise<RefreshToken | null> {
  return em.findOne(RefreshToken, { tokenHash });
}

/** The row as committed now (after a lock), not as an earlier read of this EntityManager saw it. */
export function reloadRefreshToken(em: EntityManager, id: string): Promise<RefreshToken> {
  return em.findOneOrFail(RefreshToken, id, { refresh: true });
}

export function findRefreshTokenByAccessJti(em: EntityManager, jti: string): Promise<RefreshToken | null> {
  return em.findOne(RefreshToken, { accessJti: jti });
}

/** Transaction-scoped locks on refresh families, taken in one order so that two callers cannot deadlock. */
export async function lockFamilies(tx: EntityManager, familyIds: string[]): Promise<void> {
  for (const id of [...new Set(familyIds)].sort()) {
    await tx.execute('select pg_advisory_xact_lock(hashtext(?))', [`mercato.refresh-family.${id}`]);
  }
}

/** The families in `scope` that still have a token not revoked. */
export async function openFamilies(tx: EntityManager, scope: LoginScope): Promise<string[]> {
  const open = await tx.find(RefreshToken, { ...where(scope), revokedAt: null } as never, {
    fields: ['familyId'],
  });
  return open.map((r) => r.familyId);
}

/** The access tokens issued in `scope` that have not expired yet. */
export async function liveAccessTokens(
  tx: EntityManager,
  scope: LoginScope,
  now: Date,
): Promise<{ jti: string; expiresAt: Date }[]> {
  const live = await tx.find(RefreshToken, { ...where(scope), accessExpiresAt: { $gt: now } } as never, {
    fields: ['accessJti', 'accessExpiresAt'],
  });
  return live.map((r) => ({ jti: r.accessJti, expiresAt: r.accessExpiresAt }));
}

export async function markRevoked(tx: EntityManager, scope: LoginScope, now: Date): Promise<void> {
  await tx.nativeUpdate(RefreshToken, { ...where(scope), revokedAt: null } as never, { revokedAt: now });
}

/**
 * Every access token revoked and not expired yet: the deny-list's source of truth (Redis holds a copy
 * that a restart may empty). Bounded by the access-token lifetime, read through a partial index.
 */
export async function revokedLiveAccessTokens(
  em: EntityManager,
  now: Date,
): Promise<{ jti: string; expiresAt: Date }[]> {
  const rows = await em.execute<{ access_jti: string; access_expires_at: Date }[]>(
    'select access_jti, access_expires_at from refresh_token where revoked_at is not null and access_expires_at > ?',
    [now],
  );
  return rows.map((r) => ({ jti: r.access_jti, expiresAt: new Date(r.access_expires_at) }));
}
