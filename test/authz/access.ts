// What the OpenAPI document says about who may call each operation, and what each kind of caller
// must therefore get. Pure: no servers, unit-tested in access.test.ts.

export type Access = 'public' | 'user' | 'owner' | 'self' | 'admin';
export const CALLERS = ['anonymous', 'owner', 'another customer', 'admin'] as const;
export type Caller = (typeof CALLERS)[number];

/** A status, or `allowed`: the authorization let it through (2xx, or a business answer 409/422). */
export type Expected = number | 'allowed';

export interface Operation {
  method: string;
  /** The template as documented: `/orders/{id}/items/{itemId}`. */
  path: string;
  key: string;
  access: Access;
  secured: boolean;
  pathParams: { name: string; schema: Record<string, unknown> }[];
  /** The JSON request body's schema, when the operation takes one. */
  bodySchema?: Record<string, unknown>;
  bodyRequired: boolean;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const ACCESS_VALUES: readonly Access[] = ['public', 'user', 'owner', 'self', 'admin'];

interface OpenApiLike {
  paths?: Record<string, Record<string, any>>;
  components?: { schemas?: Record<string, unknown> };
}

/**
 * Every operation of the document that takes a path parameter. Access: `x-mercato-access` when the
 * operation says; otherwise `owner` when it has a security requirement, `public` when it has none.
 */
export function operationsWithIds(doc: OpenApiLike): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) => resolve(doc, p));
      const pathParams = params
        .filter((p) => p.in === 'path')
        .map((p) => ({ name: p.name as string, schema: resolve(doc, p.schema ?? {}) }));
      if (pathParams.length === 0) continue;
      const secured = Array.isArray(op.security ?? (doc as any).security)
        ? (op.security ?? (doc as any).security).length > 0
        : false;
      const declared = op['x-mercato-access'];
      if (declared !== undefined && !ACCESS_VALUES.includes(declared)) {
        throw new Error(
          `${method.toUpperCase()} ${path}: x-mercato-access '${declared}' is not one of ${ACCESS_VALUES}`,
        );
      }
      const access: Access = declared ?? (secured ? 'owner' : 'public');
      const body = op.requestBody ? resolve(doc, op.requestBody) : undefined;
      const json = body?.content?.['application/json']?.schema;
      ops.push({
        method: method.toUpperCase(),
        path,
        key: `${method.toUpperCase()} ${path}`,
        access,
        secured,
        pathParams,
        bodySchema: json ? resolve(doc, json) : undefined,
        bodyRequired: Boolean(body?.required),
      });
    }
  }
  return ops;
}

function resolve(doc: OpenApiLike, node: any): any {
  let current = node;
  for (let hops = 0; current && typeof current.$ref === 'string' && hops < 10; hops++) {
    const parts = current.$ref.replace(/^#\//, '').split('/');
    current = parts.reduce(
      (acc: any, part: string) => acc?.[part.replace(/~1/g, '/').replace(/~0/g, '~')],
      doc,
    );
  }
  return current;
}

/**
 * The rule every operation is held to, for a well-formed request (a real id, a valid body):
 * no token on a secured operation → 401; a customer on an admin operation → 403; another
 * customer's resource → 404 (never 403: a customer cannot tell someone else's from a missing one).
 */
export function expectedFor(access: Access, caller: Caller): Expected {
  if (access === 'public') return 'allowed';
  if (caller === 'anonymous') return 401;
  // `self` (a path that means "mine"): the owner alone; an admin's own "mine" is another resource.
  if (access === 'self') return caller === 'owner' ? 'allowed' : 404;
  if (caller === 'admin') return 'allowed';
  if (access === 'admin') return 403;
  if (access === 'owner' && caller === 'another customer') return 404;
  return 'allowed';
}

/**
 * The same for a malformed request (a path id that is not one, a body of the wrong type). Who asks
 * is settled before what they sent is looked at: 401, then 403, then 400. 404 cannot come before
 * 400: an id that is not an id cannot be looked up.
 */
export function expectedForMalformed(access: Access, caller: Caller): Expected {
  if (access !== 'public' && caller === 'anonymous') return 401;
  if (access === 'admin' && caller !== 'admin') return 403;
  return 400;
}

export function isAllowedStatus(status: number): boolean {
  return (status >= 200 && status < 300) || status === 409 || status === 422;
}

export function meets(expected: Expected, status: number): boolean {
  return expected === 'allowed' ? isAllowedStatus(status) : status === expected;
}

/** A path with its parameters filled in. */
export function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for {${name}} in ${template}`);
    return encodeURIComponent(value);
  });
}

/** `/orders/{id}/items/{itemId}` and `itemId` → `/orders/{id}/items/{itemId}`; `id` → `/orders/{id}`. */
export function prefixThrough(template: string, param: string): string {
  const marker = `{${param}}`;
  const at = template.indexOf(marker);
  if (at < 0) throw new Error(`${template} has no ${marker}`);
  return template.slice(0, at + marker.length);
}
