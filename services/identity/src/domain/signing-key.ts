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
    claims: { sub: string; role: string; jti: string; email?: string },
    ttlSeconds: number,
  ): Promise<string>;
}

export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

/**
 * Loads the PKCS8 PEM, or — only outside production — generates a key for this process. A generated
 * key is fine for one local replica; tokens it signed die with the process.
 */
export async function loadSigningKey(
  pem: string | undefined,
  opts: { production: boolean; warn: (msg: string) => void },
): Promise<SigningKey> {
  let privateKey: KeyObject;
  if (pem) {
    try {
      privateKey = createPrivateKey({ key: pem.replace(/\\n/g, '\n'), format: 'pem' });
    } catch (err) {
      throw new SigningKeyError(
        `config: JWT_PRIVATE_KEY is not a PKCS8 PEM private key (${(err as Error).message})`,
      );
    }
    if (privateKey.asymmetricKeyType !== 'ed25519')
      throw new SigningKeyError(
        `config: JWT_PRIVATE_KEY must be an Ed25519 key (got ${privateKey.asymmetricKeyType})`,
      );
  } else {
    if (opts.production) throw new SigningKeyError('config: JWT_PRIVATE_KEY is required in production');
    opts.warn(
      'JWT_PRIVATE_KEY is not set: generated an Ed25519 key for this process; tokens will not survive a restart',
    );
    privateKey = generateKeyPairSync('ed25519').privateKey;
  }
  const publicJwk: JWK = await exportJWK(createPublicKey(privateKey));
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwk: JWK = { ...publicJwk, kid, alg: 'EdDSA', use: 'sig' };
  return {
    kid,
    jwks: { keys: [jwk] },
    async sign({ sub, role, jti, email }, ttlSeconds) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ role, ...(email ? { email } : {}) })
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
