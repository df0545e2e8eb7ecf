// Access and refresh tokens. An access token is a short-lived JWT that every service verifies on its
// own; a refresh token is an opaque secret kept here (as a digest) and exchanged exactly once. Each
// refresh row remembers the access token issued with it, so that ending a login (logout, reuse of a
// rotated token, deactivation) can also put that login's live access tokens on the deny-list that
// every service checks. Decorated as `app.sessions` (plugins/sessions.ts): its methods are the
// refresh and logout use cases, and the revocations other use cases end with.
import type { EntityManager } from '@mercato/db';
import { newOpaqueToken, opaqueTokenDigest, problems } from '@mercato/kit';
import type { Logger } from '@mercato/messaging';
import type { Redis } from 'ioredis';
import { uuidv7 } from 'uuidv7';
import type { SigningKey } from '../domain/signing-key.ts';
import { denyAccessTokens } from '../persistence/deny-list.ts';
import type { User } from '../persistence/entities.ts';
import {
  addRefreshToken,
  findRefreshTokenByAccessJti,
  findRefreshTokenByHash,
  type LoginScope,
  liveAccessTokens,
  lockFamilies,
  markRevoked,
  openFamilies,
  reloadRefreshToken,
} from '../persistence/refresh-tokens.ts';
import { findUser } from '../persistence/users.ts';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshExpiresIn: number;
}

/** An access token of a revoked login, denied until it would have expired anyway. */
export interface RevokedAccessToken {
  jti: string;
  expiresAt: Date;
}

export class Sessions {
  constructor(
    private readonly deps: {
      redis: Redis;
      key: SigningKey;
      accessTtlSeconds: number;
      refreshTtlSeconds: number;
      log: Logger;
    },
  ) {}

  /** Starts a login (new family) or continues one (rotation); flushes the new refresh row. */
  async issue(em: EntityManager, user: User, familyId: string = uuidv7()): Promise<TokenPair> {
    const { accessTtlSeconds, refreshTtlSeconds, key } = this.deps;
    const now = Date.now();
    const jti = uuidv7();
    const refreshToken = newOpaqueToken();
    addRefreshToken(em, {
      id: uuidv7(),
      userId: user.id,
      familyId,
      tokenHash: opaqueTokenDigest(refreshToken),
      accessJti: jti,
      accessExpiresAt: new Date(now + accessTtlSeconds * 1000),
      expiresAt: new Date(now + refreshTtlSeconds * 1000),
      createdAt: new Date(now),
    });
    await em.flush();
    const accessToken = await key.sign(
      // email_verified: a shop may gate something on it later; nothing in Mercato does (README).
      {
        sub: user.id,
        role: user.role,
        jti,
        email: user.email,
        email_verified: user.emailVerifiedAt !== null,
      },
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
    const found = await findRefreshTokenByHash(em, opaqueTokenDigest(refreshToken));
    if (!found) throw problems.unauthorized('The refresh token is not valid');
    const outcome = await em.transactional(async (tx): Promise<TokenPair | string> => {
      // Rotation and revocation of one family take turns: otherwise a rotation in flight could add
      // a fresh token to a family that a concurrent reuse is revoking, and that token would survive.
      await lockFamilies(tx, [found.familyId]);
      const row = await reloadRefreshToken(tx, found.id);
      const now = new Date();
      if (row.revokedAt) return 'The refresh token has been revoked';
      if (row.expiresAt <= now) return 'The refresh token has expired';
      if (row.rotatedAt) {
        await this.revoke(tx, { familyId: row.familyId });
        this.deps.log.warn(
          { familyId: row.familyId, userId: row.userId },
          'refresh token reused; family revoked',
        );
        return 'The refresh token was already used; every session of this login is revoked';
      }
      const user = await findUser(tx, row.userId);
      if (!user?.active) {
        await this.revoke(tx, { familyId: row.familyId });
        return 'The account is deactivated';
      }
      row.rotatedAt = now;
      return this.issue(tx, user, row.familyId);
    });
    // Refusals are thrown only after the commit, so that a revocation they caused is kept.
    if (typeof outcome === 'string') throw problems.unauthorized(outcome);
    return outcome;
  }

  /**
   * Ends the login the access token `jti` belongs to (logout). The revocation is committed in the
   * database (the deny-list's source of truth) before Redis is told; if Redis cannot take it now, the
   * logout still stands and the resync worker copies it there once Redis is back.
   */
  async endLoginOf(em: EntityManager, jti: string): Promise<void> {
    const row = await findRefreshTokenByAccessJti(em, jti);
    if (row) return this.revoke(em, { familyId: row.familyId });
    // Every token identity signs has its row; without one there is nothing durable to record, so a
    // logout that cannot deny the token must say so.
    const expiresAt = new Date(Date.now() + this.deps.accessTtlSeconds * 1000);
    await this.deny([{ jti, expiresAt }], { strict: true });
  }

  /** Every login of a user, optionally but one (a password change keeps the session that made it). */
  async revokeAllOf(em: EntityManager, userId: string, exceptFamilyOfJti?: string): Promise<void> {
    let exceptFamilyId: string | undefined;
    if (exceptFamilyOfJti) {
      exceptFamilyId = (await findRefreshTokenByAccessJti(em, exceptFamilyOfJti))?.familyId;
    }
    await this.revoke(em, { userId, exceptFamilyId });
  }

  /**
   * The database half of ending every login of a user, in the caller's transaction (a password reset,
   * an erasure: the revocation commits with the change or not at all). Take it before locking the
   * user's row: a rotation holds its family's lock while its insert needs the user row's key lock.
   * Returns the live access tokens to hand to `denyRevoked` once the transaction has committed.
   */
  async revokeAllIn(tx: EntityManager, userId: string): Promise<RevokedAccessToken[]> {
    return this.revokeIn(tx, { userId });
  }

  /** After the commit of `revokeAllIn`'s transaction: the deny-list every service checks. */
  async denyRevoked(tokens: RevokedAccessToken[]): Promise<void> {
    await this.deny(tokens);
  }

  private async revoke(em: EntityManager, scope: LoginScope): Promise<void> {
    const live = await em.transactional((tx) => this.revokeIn(tx, scope));
    await this.deny(live);
  }

  private async revokeIn(tx: EntityManager, scope: LoginScope): Promise<RevokedAccessToken[]> {
    await lockFamilies(tx, await openFamilies(tx, scope));
    const now = new Date();
    // Read after the locks: a rotation that just committed has added a row that must go too.
    const live = await liveAccessTokens(tx, scope, now);
    await markRevoked(tx, scope, now);
    return live;
  }

  /** Deny-lists access tokens until they would have expired anyway. */
  private async deny(tokens: RevokedAccessToken[], opts: { strict?: boolean } = {}) {
    if (tokens.length === 0) return;
    try {
      await denyAccessTokens(this.deps.redis, tokens);
    } catch (err) {
      this.deps.log.error(
        { err, count: tokens.length },
        'cannot write the access-token deny-list now; the resync copies it from the database later',
      );
      if (opts.strict) throw problems.serviceUnavailable('Logout is not possible right now; try again');
    }
  }
}
