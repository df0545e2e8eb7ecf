import { exportJWK, generateKeyPair, type JSONWebKeySet, SignJWT } from 'jose';
import { uuidv7 } from 'uuidv7';

export interface TestTokenClaims {
  sub: string;
  role: 'customer' | 'admin';
  jti?: string;
  email?: string;
  /** jose duration ('15m', '-1s' for an already expired token); default '15m' */
  expiresIn?: string;
}

/**
 * A local Ed25519 key pair that signs tokens exactly like identity does (EdDSA, kid,
 * iss 'mercato-identity'), so a service under test can be given `auth: { jwks }`.
 */
export async function testAuth(): Promise<{
  jwks: JSONWebKeySet;
  kid: string;
  sign(claims: TestTokenClaims): Promise<string>;
}> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const kid = uuidv7();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  return {
    jwks: { keys: [jwk] },
    kid,
    async sign({ sub, role, jti = uuidv7(), email, expiresIn = '15m' }) {
      return new SignJWT({ role, ...(email ? { email } : {}) })
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
        .setSubject(sub)
        .setJti(jti)
        .setIssuer('mercato-identity')
        .setIssuedAt()
        .setExpirationTime(expiresIn.startsWith('-') ? Math.floor(Date.now() / 1000) - 60 : expiresIn)
        .sign(privateKey);
    },
  };
}
