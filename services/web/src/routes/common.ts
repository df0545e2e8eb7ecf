import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PageContext } from '../views/layout.ts';

/** What every page's layout needs: who is signed in, a CSRF token, the cart badge, a flash message. */
export function pageContext(request: FastifyRequest, reply: FastifyReply): PageContext {
  const flash = request.session.get('flash');
  if (flash) request.session.set('flash', undefined);
  return {
    user: request.session.get('user'),
    csrf: reply.csrfToken(),
    cartCount: request.session.get('cartCount'),
    flash,
  };
}

export function sendPage(reply: FastifyReply, page: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
}

/** Redirect after a POST (303: the browser follows with a GET). */
export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('location', location).send();
}

export function flash(request: FastifyRequest, kind: 'info' | 'error', text: string): void {
  request.session.set('flash', { kind, text });
}

/** Only a path on this site: never an absolute or protocol-relative URL (no open redirect). */
export function safeNext(next: unknown, fallback = '/'): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.includes('\\'))
    return fallback;
  return next;
}

/** Pages that need a signed-in customer send the others to sign in first, then back. */
export function requireUser(request: FastifyRequest, reply: FastifyReply): boolean {
  if (request.session.get('user')) return true;
  seeOther(reply, `/login?next=${encodeURIComponent(safeNext(request.url))}`);
  return false;
}

export type Form = Record<string, string | undefined>;
export const form = (request: FastifyRequest): Form => (request.body ?? {}) as Form;
