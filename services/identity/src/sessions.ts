// Access and refresh tokens. An access token is a short-lived JWT that every service verifies on its
// own; a refresh token is an opaque secret kept here (as a digest) and exchanged exactly once. Each
// refresh row remembers the access token issued with it, so that ending a login (logout, reuse of a
// rotated token, deactivation) can also put that login's live access tokens on the deny-list that
// every service checks.
import type { EntityManager } from '@mercato/db';
import { problems } from '@mercato/kit';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { uuidv7 } from 'uuidv7';
import { digest, newOpaqueToken } from './domain/secrets.ts';
import { RefreshToken, User } from './entities.ts';
import type { SigningKey } from './keys.ts';

export const DENY_PREFIX = 'auth:denied:';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshExpiresIn: number;
}

export class Sessions {
  constructor(
    private readonly deps: {
      redis: Redis;
      key: SigningKey;
      accessTtlSeconds: number;
      refreshTtlSeconds: number;
      log: FastifyBaseLogger;
    },
  ) {}

  /** Starts a login (new family) or continues one (rotation); flushes the new refresh row. */
  async issue(em: EntityManager, user: User, familyId: string = uuidv7()): Promise<TokenPair> {
    const { accessTtlSeconds, refreshTtlSeconds, key } = this.deps;
    const now = Date.now();
    const jti = uuidv7();
    const refreshToken = newOpaqueToken();
    em.create(RefreshToken, {
      id: uuidv7(),
      userId: user.id,
      familyId,
      tokenHash: digest(refreshToken),
      accessJti: jti,
      accessExpiresAt: new Date(now + accessTtlSeconds * 1000),
      expiresAt: new Date(now + refreshTtlSeconds * 1000),
      rotatedAt: null,
      revokedAt: null,
      createdAt: new Date(now),
    });
    await em.flush();
    const accessToken = await key.sign(
      { sub: user.id, role: user.role, jti, email: user.email },
      accessTtlSeconds,
    );
    return {
      accessToken,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: accessTtlSeconds,
      refreshExpiresIn: refreshTtlSeconds,
    };
  }

  /** Exchanges a refresh token for a new pair. A token presented a second time ends its whole login. */
  async refresh(em: EntityManager, refreshToken: string): Promise<TokenPair> {
    const found = await em.findOne(RefreshToken, { tokenHash: digest(refreshToken) });
    if (!found) throw problems.unauthorized('The refresh token is not valid');
    const outcome = await em.transactional(async (tx): Promise<TokenPair | string> => {
      // Rotation and revocation of one family take turns: otherwise a rotation in flight could add
      // a fresh token to a family that a concurrent reuse is revoking, and that token would survive.
      await lockFamilies(tx, [found.familyId]);
      const row = await tx.findOneOrFail(RefreshToken, found.id, { refresh: true });
      const now = new Date();
      if (row.revokedAt) return 'The refresh token has been revoked';
      if (row.expiresAt <= now) return 'The refresh token has expired';
      if (row.rotatedAt) {
        await this.revokeWhere(tx, { familyId: row.familyId });
        this.deps.log.warn(
          { familyId: row.familyId, userId: row.userId },
          'refresh token reused; family revoked',
        );
        return 'The refresh token was already used; every session of this login is revoked';
      }
      const user = await tx.findOne(User, row.userId);
      if (!user?.active) {
        await this.revokeWhere(tx, { familyId: row.familyId });
        return 'The account is deactivated';
      }
      row.rotatedAt = now;
      return this.issue(tx, user, row.familyId);
    });
    // Refusals are thrown only after the commit, so that a revocation they caused is kept.
    if (typeof outcome === 'string') throw problems.unauthorized(outcome);
    return outcome;
  }

  /** Ends the login the access token `jti` belongs to (logout). */
  async endLoginOf(em: EntityManager, jti: string): Promise<void> {
    const row = await em.findOne(RefreshToken, { accessJti: jti });
    const expiresAt = row?.accessExpiresAt ?? new Date(Date.now() + this.deps.accessTtlSeconds * 1000);
    // The caller's own token first, and strictly: a logout that cannot deny its token must say so.
    await this.deny([{ jti, expiresAt }], { strict: true });
    if (row) await this.revokeFamily(em, row.familyId);
  }

  async revokeFamily(em: EntityManager, familyId: string): Promise<void> {
    await this.revokeWhere(em, { familyId });
  }

  /** Every login of a user, optionally but one (a password change keeps the session that made it). */
  async revokeAllOf(em: EntityManager, userId: string, exceptFamilyOfJti?: string): Promise<void> {
    let exceptFamily: string | undefined;
    if (exceptFamilyOfJti) {
      exceptFamily = (await em.findOne(RefreshToken, { accessJti: exceptFamilyOfJti }))?.familyId;
    }
    await this.revokeWhere(em, exceptFamily ? { userId, familyId: { $ne: exceptFamily } } : { userId });
  }

  private async revokeWhere(em: EntityManager, where: Record<string, unknown>): Promise<void> {
    const live = await em.transactional(async (tx) => {
      const open = await tx.find(RefreshToken, { ...where, revokedAt: null } as never, {
        fields: ['familyId'],
      });
      await lockFamilies(
        tx,
        open.map((r) => r.familyId),
      );
      const now = new Date();
      // Read after the locks: a rotation that just committed has added a row that must go too.
      const live = await tx.find(RefreshToken, { ...where, accessExpiresAt: { $gt: now } } as never, {
        fields: ['accessJti', 'accessExpiresAt'],
      });
      await tx.nativeUpdate(RefreshToken, { ...where, revokedAt: null } as never, { revokedAt: now });
      return live.map((r) => ({ jti: r.accessJti, expiresAt: r.accessExpiresAt }));
    });
    await this.deny(live);
  }

  /** Deny-lists access tokens until they would have expired anyway. */
  private async deny(tokens: { jti: string; expiresAt: Date }[], opts: { strict?: boolean } = {}) {
    if (tokens.length === 0) return;
    const now = Date.now();
    const pipeline = this.deps.redis.pipeline();
    for (const t of tokens) {
      const ttl = Math.ceil((t.expiresAt.getTime() - now) / 1000);
      if (ttl > 0) pipeline.set(DENY_PREFIX + t.jti, '1', 'EX', ttl);
    }
    try {
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([err]) => err);
      if (failed) throw failed[0];
    } catch (err) {
      this.deps.log.error({ err, count: tokens.length }, 'cannot write the access-token deny-list');
      if (opts.strict) throw problems.serviceUnavailable('Logout is not possible right now; try again');
    }
  }
}

/** Transaction-scoped locks on refresh families, taken in one order so that two callers cannot deadlock. */
async function lockFamilies(tx: EntityManager, familyIds: string[]): Promise<void> {
  for (const id of [...new Set(familyIds)].sort()) {
    await tx.execute('select pg_advisory_xact_lock(hashtext(?))', [`mercato.refresh-family.${id}`]);
  }
}
