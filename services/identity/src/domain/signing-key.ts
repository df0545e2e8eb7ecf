// The key that signs access tokens. Other services only ever see its public half, through
// GET /auth/.well-known/jwks.json; the kid is the key's RFC 7638 thumbprint, so it is the same on
// every replica that was given the same key, and changes by itself when the key is rotated.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ISSUER } from '@mercato/kit';
import { calculateJwkThumbprint, exportJWK, type JSONWebKeySet, type JWK, SignJWT } from 'jose';

export interface SigningKey {
  kid: string;
  jwks: JSONWebKeySet;
  sign(
    claims: { sub: string; role: string; jti: string; email?: string; email_verified?: boolean },
    ttlSeconds: number,
  ): Promise<string>;
}

export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

/** A new Ed25519 private key as PKCS8 PEM. */
export function generatePem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

function parsePrivateKey(pem: string, what: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new SigningKeyError(`config: ${what} is not a PKCS8 PEM private key (${(err as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new SigningKeyError(`config: ${what} must be an Ed25519 key (got ${key.asymmetricKeyType})`);
  return key;
}

/**
 * Loads the configured PKCS8 PEM. Without one — only outside production — the development key that
 * `developmentKey` keeps (identity stores it in its database: tokens survive a restart and replicas
 * share it, where a key per process logged everyone out on every restart).
 */
export async function loadSigningKey(
  pem: string | undefined,
  opts: {
    production: boolean;
    warn: (msg: string) => void;
    /** the stored development key, `generate()` stored first when there is none */
    developmentKey: (generate: () => string) => Promise<string>;
  },
): Promise<SigningKey> {
  let privateKey: KeyObject;
  if (pem) {
    privateKey = parsePrivateKey(pem.replace(/\\n/g, '\n'), 'JWT_PRIVATE_KEY');
  } else {
    if (opts.production) throw new SigningKeyError('config: JWT_PRIVATE_KEY is required in production');
    opts.warn(
      'JWT_PRIVATE_KEY is not set: signing with the development key kept in the database (never in production)',
    );
    privateKey = parsePrivateKey(await opts.developmentKey(generatePem), 'the stored development key');
  }
  const publicJwk: JWK = await exportJWK(createPublicKey(privateKey));
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwk: JWK = { ...publicJwk, kid, alg: 'EdDSA', use: 'sig' };
  return {
    kid,
    jwks: { keys: [jwk] },
    async sign({ sub, role, jti, email, email_verified }, ttlSeconds) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        role,
        ...(email ? { email } : {}),
        ...(email_verified !== undefined ? { email_verified } : {}),
      })
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
        .setSubject(sub)
        .setJti(jti)
        .setIssuer(ISSUER)
        .setIssuedAt(now)
        .setExpirationTime(now + ttlSeconds)
        .sign(privateKey);
    },
  };
}
