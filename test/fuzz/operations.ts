// The operations of the merged OpenAPI document, and for each a fast-check arbitrary of requests
// its schemas accept (`validRequest`) and of requests carrying one hostile input (`hostileRequest`).
import fc from 'fast-check';
import {
  edgeNumberText,
  hostilePathSegment,
  hostileQueryText,
  hostileString,
  hostileValue,
  malformedBody,
  oversizedHeader,
} from './hostile.ts';
import { type JsonSchema, resolve, type SchemaContext, valueFor } from './schema-arbitraries.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: string;
  /** '/orders/{id}/items/{itemId}' */
  template: string;
  parameters: Parameter[];
  body?: JsonSchema;
  /** `security` declared: a token is needed. */
  secured: boolean;
}

export interface FuzzRequest {
  method: string;
  /** Path with query, already percent-encoded (or deliberately mis-encoded). */
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** What was hostile about it, for the report ('valid' when nothing). */
  hostile: string;
}

type OpenApi = {
  paths: Record<string, Record<string, any>>;
  components?: { schemas?: Record<string, JsonSchema> };
};

export function operationsOf(document: OpenApi): Operation[] {
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const parameters = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: any) => ({
        name: p.name,
        in: p.in,
        required: Boolean(p.required),
        schema: p.schema ?? {},
      }));
      const body = op.requestBody?.content?.['application/json']?.schema;
      operations.push({
        method: method.toUpperCase(),
        template,
        parameters,
        body,
        secured: Array.isArray(op.security) && op.security.length > 0,
      });
    }
  }
  return operations;
}

export const describeOperation = (op: Pick<Operation, 'method' | 'template'>) =>
  `${op.method} ${op.template}`;

interface Parts {
  path: Record<string, string>;
  query: [string, string][];
  headers: Record<string, string>;
  body?: unknown;
}

/** The parts of a request the operation's schemas accept (values for every parameter and the body). */
function validParts(op: Operation, ctx: SchemaContext): fc.Arbitrary<Parts> {
  const textOf = (schema: JsonSchema) =>
    valueFor(schema, ctx).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  const path = fc.record(
    Object.fromEntries(op.parameters.filter((p) => p.in === 'path').map((p) => [p.name, textOf(p.schema)])),
  );
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const query = fc
    .tuple(
      ...queryParams.map((p) =>
        p.required ? textOf(p.schema) : fc.option(textOf(p.schema), { nil: undefined, freq: 2 }),
      ),
    )
    .map((values) =>
      values.flatMap((v, i) => (v === undefined ? [] : [[queryParams[i]!.name, v] as [string, string]])),
    );
  const headerParams = op.parameters.filter((p) => p.in === 'header');
  const headers = fc
    .tuple(
      ...headerParams.map((p) =>
        p.name === 'if-match'
          ? fc.option(
              fc.integer({ min: 1, max: 5 }).map((v) => `"${v}"`),
              { nil: undefined },
            )
          : p.name === 'idempotency-key'
            ? fc.option(fc.uuid(), { nil: undefined })
            : fc.option(textOf(p.schema).filter(isByteString), { nil: undefined }),
      ),
    )
    .map((values) =>
      Object.fromEntries(values.flatMap((v, i) => (v === undefined ? [] : [[headerParams[i]!.name, v]]))),
    );
  const body = op.body ? valueFor(op.body, ctx) : fc.constant(undefined);
  return fc.record({ path, query, headers, body }).map((parts) => parts as Parts);
}

function toRequest(
  op: Operation,
  parts: Parts,
  hostile: string,
  raw?: { contentType: string; body: string },
): FuzzRequest {
  const path = op.template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = parts.path[name] ?? '';
    // A hostile segment is sent as written (it is the encoding under test); a valid one is encoded.
    return hostile.startsWith('path') ? value : encodeURIComponent(value);
  });
  const query = parts.query.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&');
  const headers: Record<string, string> = { ...parts.headers };
  let body: string | undefined;
  if (raw) {
    headers['content-type'] = raw.contentType;
    body = raw.body;
  } else if (parts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(parts.body);
  }
  return { method: op.method, url: query ? `${path}?${query}` : path, headers, body, hostile };
}

export function validRequest(op: Operation, ctx: SchemaContext): fc.Arbitrary<FuzzRequest> {
  return validParts(op, ctx).map((parts) =>
    toRequest(op, { ...parts, query: parts.query.map(([k, v]) => [k, encodeURIComponent(v)]) }, 'valid'),
  );
}

/** A request that the operation's schemas accept except for one hostile part. */
export function hostileRequest(op: Operation, ctx: SchemaContext): fc.Arbitrary<FuzzRequest> {
  const base = validParts(op, ctx).map((parts) => ({
    ...parts,
    query: parts.query.map(([k, v]) => [k, encodeURIComponent(v)] as [string, string]),
  }));
  const pathNames = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
  const queryNames = op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
  const mutations: fc.Arbitrary<FuzzRequest>[] = [];

  if (pathNames.length > 0) {
    mutations.push(
      fc
        .tuple(base, fc.constantFrom(...pathNames), hostilePathSegment)
        .map(([parts, name, segment]) =>
          toRequest(
            op,
            { ...parts, path: { ...encodeAll(parts.path), [name]: segment } },
            `path-param ${name}`,
          ),
        ),
    );
  }
  if (queryNames.length > 0) {
    mutations.push(
      fc
        .tuple(base, fc.constantFrom(...queryNames), hostileQueryText)
        .map(([parts, name, text]) =>
          toRequest(
            op,
            { ...parts, query: [...parts.query.filter(([k]) => k !== name), [name, text]] },
            `query ${name}`,
          ),
        ),
      fc
        .tuple(base, fc.constantFrom(...queryNames), edgeNumberText, edgeNumberText)
        .map(([parts, name, a, b]) =>
          toRequest(op, { ...parts, query: [...parts.query, [name, a], [name, b]] }, `query ${name} twice`),
        ),
    );
  }
  // Unknown query parameters, for every operation.
  mutations.push(
    fc
      .tuple(base, hostileQueryText)
      .map(([parts, text]) =>
        toRequest(op, { ...parts, query: [...parts.query, ['fuzz', text]] }, 'query unknown'),
      ),
  );
  if (op.body) {
    mutations.push(
      fc
        .tuple(base, fc.nat(), hostileValue)
        .map(([parts, pick, value]) =>
          toRequest(op, { ...parts, body: replaceOne(parts.body, pick, value) }, 'body field'),
        ),
      fc
        .tuple(base, hostileString, hostileValue)
        .map(([parts, key, value]) =>
          toRequest(op, { ...parts, body: addProperty(parts.body, key, value) }, 'body extra property'),
        ),
    );
  }
  // A malformed body, for every operation (a GET with a body included).
  mutations.push(
    fc.tuple(base, malformedBody).map(([parts, raw]) => toRequest(op, parts, 'body malformed', raw)),
  );
  mutations.push(
    fc
      .tuple(base, oversizedHeader)
      .map(([parts, extra]) =>
        toRequest(op, { ...parts, headers: { ...parts.headers, ...extra } }, 'header oversized'),
      ),
  );
  const headerNames = op.parameters.filter((p) => p.in === 'header').map((p) => p.name);
  if (headerNames.length > 0) {
    mutations.push(
      fc
        .tuple(
          base,
          fc.constantFrom(...headerNames),
          fc.constantFrom('', '"', 'W/', '*, "1"', '"99999999999999999999"', 'k'.repeat(1_100), '\t', 'ÿ'),
        )
        .map(([parts, name, value]) =>
          toRequest(op, { ...parts, headers: { ...parts.headers, [name]: value } }, `header ${name}`),
        ),
    );
  }
  return fc.oneof(...mutations);
}

function encodeAll(path: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(path).map(([k, v]) => [k, encodeURIComponent(v)]));
}

function isByteString(s: string): boolean {
  return [...s].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) <= 0xff);
}

/** Every place in a JSON value that can be replaced (object properties, array items), root excluded. */
function slots(value: unknown, path: (string | number)[] = [], out: (string | number)[][] = []) {
  if (value === null || typeof value !== 'object' || out.length > 200) return out;
  for (const [k, v] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    out.push([...path, k]);
    slots(v, [...path, k], out);
  }
  return out;
}

function replaceOne(body: unknown, pick: number, value: unknown): unknown {
  const all = slots(body);
  if (all.length === 0) return value;
  const target = all[pick % all.length]!;
  const copy = structuredClone(body) as any;
  let node = copy;
  for (const k of target.slice(0, -1)) node = node[k];
  node[target[target.length - 1]!] = value;
  return copy;
}

function addProperty(body: unknown, key: string, value: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { [key]: value };
  return { ...(body as object), [key]: value };
}

export { resolve };
