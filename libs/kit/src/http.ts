import type { FastifyRequest } from 'fastify';
import { type TSchema, Type } from 'typebox';
import { ProblemSchema, problems } from './problems.ts';

/** Strong ETag for a row version: `"<version>"`. */
export function etag(version: number): string {
  return `"${version}"`;
}

/**
 * Optimistic concurrency over HTTP: when the client sent If-Match and none of its tags is the
 * current version, the update is based on a stale read → 412. No If-Match means "unconditional".
 */
export function assertIfMatch(request: FastifyRequest, version: number): void {
  const header = request.headers['if-match'];
  if (header === undefined || header === '') return;
  const tags = (Array.isArray(header) ? header.join(',') : header).split(',').map((t) => t.trim());
  if (tags.includes('*')) return;
  // Weak tags (W/"3") name the same version for our purpose: the body is fully defined by it.
  const current = etag(version);
  if (tags.some((t) => t.replace(/^W\//, '') === current)) return;
  throw problems.preconditionFailed(
    `If-Match ${tags.join(', ')} does not match the current version ${current}`,
  );
}

/**
 * Bounded both ways: page × pageSize ≤ 1,000,000 keeps every OFFSET small and exact, and a page
 * number at the edge of what a number holds (page=1e20) is a 400, not a query PostgreSQL refuses.
 */
export const MAX_PAGE = 10_000;
export const PageQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});

export function Page<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item, { maxItems: 100 }), // PageQuery's largest pageSize
    page: Type.Integer({ minimum: 1 }),
    pageSize: Type.Integer({ minimum: 1 }),
    total: Type.Integer({ minimum: 0 }),
  });
}

/** Exact money on the wire: a decimal string, never a binary float, always with its currency. */
export const Money = Type.Object({
  amount: Type.String({ pattern: '^-?\\d+(\\.\\d{1,4})?$', examples: ['12.50'] }),
  currency: Type.String({ pattern: '^[A-Z]{3}$', examples: ['EUR'] }),
});

export const IdParam = Type.Object({
  id: Type.String({ format: 'uuid' }),
});

export const idempotencyKeyHeader = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});

/** The If-Match request header of updates (see assertIfMatch). */
export const IfMatchHeader = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      maxLength: 1024,
      description: 'The ETag last read; a stale one is answered 412 (optimistic concurrency)',
    }),
  ),
});

/** `response: { ...errorResponses(400, 404) }`: each status documented with the problem+json shape. */
export function errorResponses(...codes: number[]): Record<number, typeof ProblemSchema> {
  return Object.fromEntries(codes.map((c) => [c, ProblemSchema]));
}

/** `schema.security` of a route that needs a bearer token. */
export const bearer = [{ bearerAuth: [] as string[] }];

/**
 * A preHandler for routes already behind `app.authenticate` (an onRequest hook of their plugin):
 * anything but an admin is 403.
 */
export async function adminOnly(request: FastifyRequest): Promise<void> {
  if (request.user.role !== 'admin') throw problems.forbidden('This requires the admin role');
}

/**
 * Who may call an operation, as the OpenAPI extension `x-mercato-access` says (the authorization
 * matrix test, test/authz/matrix.test.ts, holds every operation that takes an id to it):
 * - `public`: anyone, no token (the default of an operation without `security`);
 * - `user`: any signed-in caller, every one gets the same answer (a product's stock level);
 * - `owner`: the owner of the resource and admins; another customer gets 404 (the default of an
 *   operation with `security`);
 * - `self`: what only its owner reaches, through a path that means "mine" (`/carts/me/items/{itemId}`):
 *   anyone else, an admin too, gets 404 (an admin's own `me` is another cart);
 * - `admin`: admins only; a customer gets 403. Set automatically for a route whose own onRequest or
 *   preHandler includes `adminOnly`; a plugin-wide `addHook(..., adminOnly)` is invisible to the
 *   document, so such routes say `'x-mercato-access': 'admin'` in their schema.
 */
export type Access = 'public' | 'user' | 'owner' | 'self' | 'admin';
export const ACCESS_EXTENSION = 'x-mercato-access';

declare module 'fastify' {
  interface FastifySchema {
    'x-mercato-access'?: Access;
  }
}

/** For the kit's onRoute hook: a route guarded by adminOnly gets `x-mercato-access: admin` in its schema. */
export function markAdminOnlyRoute(route: {
  onRequest?: unknown;
  preHandler?: unknown;
  schema?: Record<string, unknown>;
}): void {
  const hooks = [route.onRequest ?? [], route.preHandler ?? []].flat();
  if (!hooks.includes(adminOnly)) return;
  const schema = route.schema ?? {};
  if (!schema[ACCESS_EXTENSION]) route.schema = { ...schema, [ACCESS_EXTENSION]: 'admin' };
}
