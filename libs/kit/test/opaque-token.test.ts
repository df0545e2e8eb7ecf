// Opaque tokens: 43 base64url characters from 32 random bytes, stored as their SHA-256 (hex), checked
// in constant time against that digest.
import { createHash } from 'node:crypto';
import t from 'tap';
import {
  isWellFormedOpaqueToken,
  newOpaqueToken,
  OPAQUE_TOKEN_PATTERN,
  opaqueTokenDigest,
  opaqueTokenMatches,
} from '../src/index.ts';

t.test('a new token is well-formed, fresh, and matched only by its own digest', async (t) => {
  const token = newOpaqueToken();
  t.match(token, new RegExp(OPAQUE_TOKEN_PATTERN));
  t.equal(Buffer.from(token, 'base64url').length, 32, '32 random bytes');
  t.ok(isWellFormedOpaqueToken(token));
  t.not(newOpaqueToken(), token, 'never the same twice');
  const digest = opaqueTokenDigest(token);
  t.equal(digest, createHash('sha256').update(token).digest('hex'));
  t.ok(opaqueTokenMatches(token, digest));
  t.notOk(opaqueTokenMatches(newOpaqueToken(), digest), 'another token');
  t.notOk(opaqueTokenMatches(token, null), 'nothing stored');
  t.notOk(opaqueTokenMatches(token, 'abcd'), 'a digest of another length');
  for (const bad of ['', 'short', `${token}x`, `${token.slice(0, 42)}+`])
    t.notOk(isWellFormedOpaqueToken(bad), `malformed: ${JSON.stringify(bad)}`);
});
