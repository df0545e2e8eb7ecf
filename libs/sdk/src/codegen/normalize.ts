// What the generator does to the gateway's document before openapi-typescript sees it. Both steps
// keep every type a client uses and only shrink the output (from ~1.6 MB to ~0.5 MB of types):
// - response headers are dropped: openapi-fetch hands the client a plain `Response` (its headers are
//   not typed), and the SDK reads the few that matter itself (ETag, Retry-After);
// - the RFC 9457 problem schema, inlined by every service into every error response, becomes one
//   `components.schemas.Problem` that those responses refer to;
// - an `Idempotency-Key` header the server requires is optional in the types: the SDK sends one on
//   every such operation unless the caller passes its own (the server still gets it on every call).
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const PROBLEM_MEDIA = 'application/problem+json';

type Json = Record<string, any>;

export interface IdempotentOperation {
  method: string;
  path: string;
}

function operations(doc: Json): { method: string; path: string; op: Json }[] {
  const out: { method: string; path: string; op: Json }[] = [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
    for (const method of METHODS) if (item?.[method]) out.push({ method, path, op: item[method] });
  }
  return out;
}

const isIdempotencyKey = (p: Json) => p.in === 'header' && String(p.name).toLowerCase() === 'idempotency-key';

export function normalizeDocument(input: Json): Json {
  const doc: Json = structuredClone(input);
  const problems = new Map<string, number>();
  for (const { op } of operations(doc)) {
    for (const parameter of (op.parameters ?? []) as Json[]) {
      if (isIdempotencyKey(parameter)) parameter.required = false;
    }
    for (const response of Object.values((op.responses ?? {}) as Record<string, Json>)) {
      delete response.headers;
      const schema = response.content?.[PROBLEM_MEDIA]?.schema;
      if (schema) {
        const key = JSON.stringify(schema);
        problems.set(key, (problems.get(key) ?? 0) + 1);
      }
    }
  }
  // The problem schema most responses share (every service builds it from @mercato/kit).
  const shared = [...problems.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (shared) {
    for (const { op } of operations(doc)) {
      for (const response of Object.values((op.responses ?? {}) as Record<string, Json>)) {
        const media = response.content?.[PROBLEM_MEDIA];
        if (media && JSON.stringify(media.schema) === shared)
          media.schema = { $ref: '#/components/schemas/Problem' };
      }
    }
    doc.components = {
      ...doc.components,
      schemas: { ...doc.components?.schemas, Problem: JSON.parse(shared) },
    };
  }
  return doc;
}

/** The operations that declare an `Idempotency-Key` header: the SDK sends one on each of them. */
export function idempotentOperations(doc: Json): IdempotentOperation[] {
  return operations(doc)
    .filter(({ op }) => ((op.parameters ?? []) as Json[]).some(isIdempotencyKey))
    .map(({ method, path }) => ({ method: method.toUpperCase(), path }))
    .sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}
