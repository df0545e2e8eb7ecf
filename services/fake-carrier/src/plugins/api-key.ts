// The carrier's API key, when API_KEY is set: `Authorization: Bearer <key>` on every /v1 request,
// else 401 { error: 'unauthorized' } (a third party's answer, not a Mercato problem).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function requireApiKey(apiKey: string) {
  const expected = digest(`Bearer ${apiKey}`);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    // Compared as digests: equal lengths for timingSafeEqual, and no timing hint about the key.
    const given = request.headers.authorization;
    if (given && timingSafeEqual(digest(given), expected)) return;
    return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized' });
  };
}
