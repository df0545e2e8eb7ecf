// The OpenAPI document is a contract: what a client generator or a validating proxy reads must be
// what the service does. Three steps make it so, all central, so a route only writes its own
// schemas (and `errorResponses` for the errors that are its own):
//   contractRoute   (onRoute)         bounds every integer and formatted string, and declares the
//                                       errors any route can answer (the validator, the serializer and
//                                       the document then read the same schemas);
//   documentPath    (swagger transform) one spelling per path: no trailing slash;
//   finishDocument  (swagger transformObject) errors as application/problem+json, response
//                                       headers, operationIds, tags.
// libs/kit/src/response-check.ts then holds every response the tests see to that document.
import { STATUS_CODES } from 'node:http';
import type { RouteOptions } from 'fastify';
import { AUTH_PREHANDLER } from './auth.ts';
import { ProblemSchema } from './problems.ts';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
// PostgreSQL `integer` is what every integer column here is: an unbounded integer in a request is
// a number the database cannot store. A schema that needs more says so (maximum, format int64).
// Strings whose format fixes their length get that length, so a request can never carry more.
const FORMAT_MAX_LENGTH: Record<string, number> = {
  uuid: 36,
  'date-time': 40,
  date: 10,
  email: 254,
  uri: 2048,
};
// Values in these keywords are data, not schemas: never rewritten.
const DATA_KEYWORDS = new Set(['default', 'examples', 'example', 'const', 'enum']);

type Json = Record<string | symbol, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A copy of a schema with every integer bounded (int32 unless it says otherwise) and every string of
 * a fixed-length format given its maxLength. A copy, because route schemas are shared objects (event
 * contracts, kit types); property descriptors are kept, TypeBox's hidden `~kind` included, which its
 * Value.Convert and Value.Default need.
 */
export function boundedSchema<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map((s) => boundedSchema(s)) as T;
  if (!isObject(schema)) return schema;
  const out: Json = Object.create(Object.getPrototypeOf(schema));
  for (const key of Reflect.ownKeys(schema)) {
    const descriptor = Object.getOwnPropertyDescriptor(schema, key) as PropertyDescriptor;
    if ('value' in descriptor && !(typeof key === 'string' && DATA_KEYWORDS.has(key)))
      descriptor.value = boundedSchema(descriptor.value);
    Object.defineProperty(out, key, descriptor);
  }
  const types = [out.type].flat();
  if (types.includes('integer')) {
    if (out.minimum === undefined && out.exclusiveMinimum === undefined) out.minimum = INT32_MIN;
    if (out.maximum === undefined && out.exclusiveMaximum === undefined) out.maximum = INT32_MAX;
    if (out.format === undefined) {
      const low = Number(out.minimum ?? out.exclusiveMinimum);
      const high = Number(out.maximum ?? out.exclusiveMaximum);
      out.format = low >= INT32_MIN && high <= INT32_MAX ? 'int32' : 'int64';
    }
  }
  if (
    types.includes('string') &&
    out.maxLength === undefined &&
    out.enum === undefined &&
    out.const === undefined
  ) {
    const fromFormat = typeof out.format === 'string' ? FORMAT_MAX_LENGTH[out.format] : undefined;
    const fromPattern = typeof out.pattern === 'string' ? patternMaxLength(out.pattern) : undefined;
    const implied = Math.min(fromFormat ?? Infinity, fromPattern ?? Infinity);
    if (Number.isFinite(implied)) out.maxLength = implied;
  }
  return out as T;
}

/**
 * The longest string an anchored pattern can match ('^[A-Z]{3}$' → 3), or undefined when it has
 * no bound (*, +, an open {n,}, backreferences) or is not anchored at both ends. The validator
 * enforces the pattern, so the length it implies is a bound the document may state.
 */
export function patternMaxLength(pattern: string): number | undefined {
  if (!pattern.startsWith('^') || !pattern.endsWith('$') || pattern.endsWith('\\$')) return undefined;
  let i = 1;
  const end = pattern.length - 1;
  // Returns the maximum length of alternatives until ')' or the end; NaN when unbounded.
  const sequence = (): number => {
    let best = 0;
    let current = 0;
    while (i < end && pattern[i] !== ')') {
      if (pattern[i] === '|') {
        best = Math.max(best, current);
        current = 0;
        i++;
        continue;
      }
      let atom: number;
      const c = pattern[i]!;
      if (c === '(') {
        i++;
        if (pattern[i] === '?' && pattern[i + 1] === ':') i += 2;
        else if (pattern[i] === '?') return Number.NaN; // lookarounds and named groups: not worth it
        atom = sequence();
        if (pattern[i] !== ')') return Number.NaN;
        i++;
      } else if (c === '[') {
        i++;
        while (i < end && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
        if (pattern[i] !== ']') return Number.NaN;
        i++;
        atom = 1;
      } else if (c === '\\') {
        if (/[1-9bBk]/.test(pattern[i + 1] ?? '')) return Number.NaN;
        i += 2;
        atom = 1;
      } else if (c === '^' || c === '$') {
        i++;
        atom = 0;
      } else {
        i++;
        atom = 1;
      }
      const q = pattern[i];
      if (q === '*' || q === '+') return Number.NaN;
      if (q === '?') {
        i++;
      } else if (q === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
        if (!m) return Number.NaN;
        if (m[2] !== undefined && m[3] === '') return Number.NaN;
        atom *= Number(m[3] ?? m[1]);
        i += m[0].length;
      }
      if (pattern[i] === '?') i++; // lazy quantifier: same bound
      current += atom;
    }
    return Math.max(best, current);
  };
  const length = sequence();
  return i === end && Number.isFinite(length) ? length : undefined;
}

const BOUNDED_PROBLEM = boundedSchema(ProblemSchema);
const INPUT_PARTS = ['body', 'querystring', 'params', 'headers'] as const;
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Marks a route as needing a bearer token in the document (the kit's auth preHandlers, or `security`). */
export function isSecured(route: RouteOptions): boolean {
  const schema = (route.schema ?? {}) as { security?: Record<string, unknown>[] };
  if (schema.security?.some((entry) => Object.keys(entry).length > 0)) return true;
  const handlers = [route.preHandler ?? [], route.onRequest ?? []].flat() as unknown as Json[];
  return handlers.some((h) => h?.[AUTH_PREHANDLER]);
}

/**
 * onRoute: bounds the route's schemas (validation and document alike) and declares the problems any
 * route can answer, beside the ones the route declared itself:
 *   500, 503 everywhere (an unexpected error; shutting down, a dependency away);
 *   400 where there is input to validate or a body to parse, 413/415 where there is a body;
 *   401, 403 where a token is needed; 404 where the path names something.
 * 429 is declared by the routes that limit (login) and, for everything, by the gateway's document.
 * A route without a token requirement says so explicitly (`security: [{}]`: anonymous allowed).
 */
export function contractRoute(route: RouteOptions): void {
  const schema = route.schema as Json | undefined;
  if (!schema || schema.hide) return;
  const methods = [route.method].flat().map((m) => String(m).toUpperCase());
  if (methods.every((m) => m === 'HEAD' || m === 'OPTIONS')) return;
  const next: Json = { ...schema };
  for (const part of INPUT_PARTS) if (schema[part]) next[part] = boundedSchema(schema[part]);

  // A route that declares no response at all is undocumented, not a contract: it is left so (the
  // response check skips it too). Every service route declares its responses.
  if (!schema.response) {
    route.schema = next;
    return;
  }
  const declared: Record<string, unknown> = {};
  for (const [status, response] of Object.entries((schema.response as Json | undefined) ?? {}))
    declared[status] = boundedSchema(response);
  const secured = isSecured(route);
  // A DELETE takes no body here, but Fastify still parses one a client sends, and answers 413 or
  // 415 for it like on any write.
  const hasBody = Boolean(schema.body) || methods.some((m) => WRITES.has(m));
  const common: number[] = [500, 503];
  if (hasBody || methods.some((m) => WRITES.has(m)) || INPUT_PARTS.some((p) => schema[p])) common.push(400);
  if (hasBody) common.push(413, 415);
  if (secured) common.push(401, 403);
  if (schema.params) common.push(404);
  for (const status of common) declared[String(status)] ??= BOUNDED_PROBLEM;
  next.response = declared;
  if (!secured && schema.security === undefined) {
    next.security = [{}];
    // The authorization matrix (test/authz) reads a non-empty `security` as "needs a token" unless
    // this marker says otherwise.
    next['x-mercato-access'] ??= 'public';
  }
  route.schema = next;
}

/** Swagger's per-route transform: a route declared as '/' inside a prefix is documented without the slash. */
export function documentPath<S>({ schema, url }: { schema: S; url: string }): { schema: S; url: string } {
  return { schema, url: openApiPath(url) };
}

/** Fastify's '/stocks/:id' (or '/stocks/') as the document spells it: '/stocks/{id}' ('/stocks'). */
export function openApiPath(url: string): string {
  const path = url.replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, '{$1}');
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface Operation {
  operationId?: string;
  tags?: string[];
  parameters?: { in?: string; name?: string }[];
  responses?: Record<string, ResponseObject>;
  [key: string]: unknown;
}
interface ResponseObject {
  description?: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema?: unknown }>;
  [key: string]: unknown;
}
interface Document {
  paths?: Record<string, Record<string, unknown>>;
  tags?: { name: string; description?: string }[];
  components?: Record<string, Record<string, unknown> | undefined>;
  [key: string]: unknown;
}

const header = (description: string, schema: Json, required = false) => ({
  description,
  required,
  schema,
});
export const RESPONSE_HEADERS = {
  requestId: header(
    'The request id: the one the client sent (when short and plain) or a new one. Every log line of the request carries it.',
    { type: 'string', maxLength: 128, pattern: '^[A-Za-z0-9._:-]{1,128}$' },
    true,
  ),
  etag: header(
    'The version of the resource; send it back as If-Match to update only what was read (412 otherwise).',
    { type: 'string', maxLength: 24, pattern: '^"\\d+"$' },
    true,
  ),
  location: header(
    'Where the created resource is read.',
    { type: 'string', maxLength: 2048, format: 'uri-reference' },
    true,
  ),
  retryAfter: header(
    'Seconds to wait before trying again.',
    { type: 'integer', format: 'int32', minimum: 0, maximum: 86_400 },
    true,
  ),
};

/** operationId from method and path: GET /orders/{id}/items → getOrdersByIdItems. Stable while the path is. */
export function operationIdFor(method: string, path: string): string {
  const words = path
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      const param = /^\{(.+)\}$/.exec(segment);
      const text = param ? `by-${param[1]}` : segment;
      return text
        .split(/[^A-Za-z0-9]+/)
        .filter(Boolean)
        .map((w) => w[0]!.toUpperCase() + w.slice(1))
        .join('');
    });
  return method.toLowerCase() + words.join('');
}

/**
 * The document as generated, made into the contract: every error response is application/problem+json
 * with the problem schema; response headers are documented (x-request-id everywhere, ETag where the
 * resource takes If-Match, Location on 201, Retry-After on 429); every operation has an operationId
 * and tags, and every tag is listed; the bearer scheme says which JWT rules it follows.
 */
export function finishDocument<T>(input: T): T {
  const document = input as Document;
  const paths = document.paths ?? {};
  const conditional = new Set(
    Object.entries(paths)
      .filter(([, item]) => operations(item).some(([, op]) => hasIfMatch(op)))
      .map(([path]) => path),
  );
  const tags = new Map((document.tags ?? []).map((t) => [t.name, t]));

  for (const [path, item] of Object.entries(paths)) {
    for (const [method, op] of operations(item)) {
      op.operationId ??= operationIdFor(method, path);
      if (!op.tags || op.tags.length === 0) op.tags = [path.split('/').filter(Boolean)[0] ?? 'default'];
      for (const tag of op.tags)
        if (!tags.has(tag)) tags.set(tag, { name: tag, description: `${tag} operations` });
      const etagged =
        (conditional.has(path) && (method === 'get' || hasIfMatch(op))) ||
        (method === 'post' && [...conditional].some((p) => isItemOf(p, path)));
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        if (!response.description || response.description === 'Default Response')
          response.description = STATUS_CODES[Number(status)] ?? 'Response';
        const headers: Record<string, unknown> = { 'x-request-id': RESPONSE_HEADERS.requestId };
        if (isError(status)) {
          const schema = Object.values(response.content ?? {})[0]?.schema ?? BOUNDED_PROBLEM;
          response.content = { [PROBLEM_MEDIA_TYPE]: { schema } };
        }
        if (status === '429') headers['retry-after'] = RESPONSE_HEADERS.retryAfter;
        if (status === '201') headers.location = RESPONSE_HEADERS.location;
        // The ETag is the row's version (etag()): a body without one is another resource's view
        // (GET /stocks/{id} answers a product's level, not the stock row PUT updates).
        if (etagged && /^2\d\d$/.test(status) && hasVersion(response)) headers.etag = RESPONSE_HEADERS.etag;
        response.headers = { ...headers, ...response.headers };
      }
    }
  }
  document.tags = [...tags.values()];
  const bearer = document.components?.securitySchemes?.bearerAuth as Json | undefined;
  if (bearer) bearer.description = BEARER_DESCRIPTION;
  return input;
}

export const BEARER_DESCRIPTION =
  'An access token from POST /auth/login: a JWS (EdDSA, Ed25519) issued by mercato-identity, valid 15 minutes. ' +
  'Verification follows RFC8725 (JWT best current practices): the algorithm is pinned to EdDSA (never "none"), ' +
  'the key is chosen by kid from the published key set, iss and exp are checked, and a logged-out token is refused.';

function operations(item: Record<string, unknown>): [string, Operation][] {
  return HTTP_METHODS.filter((m) => isObject(item[m])).map((m) => [m, item[m] as Operation]);
}

function hasVersion(response: ResponseObject): boolean {
  const schema = response.content?.['application/json']?.schema as
    | { properties?: Record<string, unknown> }
    | undefined;
  return schema?.properties?.version !== undefined;
}

function hasIfMatch(op: Operation): boolean {
  return (op.parameters ?? []).some((p) => p.in === 'header' && p.name?.toLowerCase() === 'if-match');
}

/** '/users/{id}' is an item of the collection '/users'. */
function isItemOf(itemPath: string, collection: string): boolean {
  return itemPath.startsWith(`${collection}/{`) && !itemPath.slice(collection.length + 1).includes('/');
}

function isError(status: string): boolean {
  return status === 'default' || /^[45]/.test(status);
}
