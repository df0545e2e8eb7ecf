/** Just enough of OpenAPI 3.x to merge documents; everything else is carried over as is. */
export interface OpenApiDocument {
  openapi?: string;
  info?: { title?: string; version?: string; description?: string };
  paths?: Record<string, unknown>;
  components?: Record<string, Record<string, unknown> | undefined>;
  tags?: { name: string; description?: string }[];
  [key: string]: unknown;
}

export interface UpstreamDocument {
  service: string;
  prefixes: readonly string[];
  document: OpenApiDocument;
}

export interface SkippedUpstream {
  service: string;
  reason: string;
}

const underPrefix = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/**
 * One document for the whole API as clients see it through the gateway: the paths each upstream
 * serves under the prefixes routed to it (its probes and anything not routed are left out), their
 * components and tags, and a note naming the upstreams whose document could not be fetched.
 */
export function mergeOpenApi(upstreams: UpstreamDocument[], skipped: SkippedUpstream[]): OpenApiDocument {
  const paths: Record<string, unknown> = {};
  const components: Record<string, Record<string, unknown>> = {};
  const tags = new Map<string, { name: string; description?: string }>();

  for (const { prefixes, document } of upstreams) {
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      if (prefixes.some((prefix) => underPrefix(path, prefix)) && !(path in paths)) paths[path] = item;
    }
    for (const [section, entries] of Object.entries(document.components ?? {})) {
      if (!entries) continue;
      const merged = components[section] ?? {};
      components[section] = merged;
      // Same name in two services: the first wins. Services name schemas after what they own.
      for (const [name, value] of Object.entries(entries)) if (!(name in merged)) merged[name] = value;
    }
    for (const tag of document.tags ?? []) if (!tags.has(tag.name)) tags.set(tag.name, tag);
  }

  const available = upstreams.map((u) => u.service).join(', ') || 'none';
  const lines = [`The Mercato API through its gateway. Services documented here: ${available}.`];
  if (skipped.length > 0) {
    lines.push(
      `Not documented right now (their documentation did not answer): ${skipped
        .map((s) => `${s.service} (${s.reason})`)
        .join(', ')}.`,
    );
  }

  return {
    openapi: '3.1.0',
    info: { title: 'Mercato API', version: '0.1.0', description: lines.join('\n\n') },
    // Relative: the origin that served this document (the gateway, or the ingress in front of it).
    // x-internal false: the public API, for clients outside (OWASP API9, an inventory of audiences).
    servers: [
      {
        url: '/',
        description:
          'The Mercato gateway that served this document, in whichever environment it runs (local, staging or production)',
        'x-internal': false,
      },
    ],
    paths: Object.fromEntries(
      Object.entries(paths)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([path, item]) => [path, throughGateway(item)]),
    ),
    components: {
      ...components,
      securitySchemes: {
        ...components.securitySchemes,
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          ...(components.securitySchemes?.bearerAuth as object | undefined),
        },
      },
    },
    tags: [...tags.values()],
    'x-mercato-skipped': skipped,
  };
}

const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': {
    description:
      'Requests allowed per window for this client (its user when it sent a valid token, else its address).',
    required: true,
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 2_147_483_647 },
  },
  'RateLimit-Remaining': {
    description: 'Requests left in the current window.',
    required: true,
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 2_147_483_647 },
  },
  'RateLimit-Reset': {
    description: 'Seconds until the window ends.',
    required: true,
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 86_400 },
  },
};
const CORS_HEADER = {
  'Access-Control-Allow-Origin': {
    description: "Present when the request came from an origin in the gateway's CORS allow-list.",
    schema: { type: 'string', maxLength: 2048, format: 'uri' },
  },
};
const TOO_MANY_REQUESTS = {
  description: "Too Many Requests: the client's rate limit is spent (the gateway limits every operation).",
  headers: {
    'Retry-After': {
      description: 'Seconds to wait before trying again.',
      required: true,
      schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 86_400 },
    },
  },
};
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * What the gateway adds to every operation it routes: the rate limit (RateLimit-* headers on every
 * answer it lets through or refuses, a 429 with Retry-After) and, for browsers, the CORS header.
 */
function throughGateway(item: unknown): unknown {
  if (typeof item !== 'object' || item === null) return item;
  const out: Record<string, unknown> = { ...(item as Record<string, unknown>) };
  for (const method of METHODS) {
    const op = out[method] as { responses?: Record<string, Record<string, unknown>> } | undefined;
    if (!op || typeof op !== 'object') continue;
    const responses: Record<string, Record<string, unknown>> = { ...op.responses };
    const problem = Object.values(responses).find((r) =>
      Object.keys((r.content as object | undefined) ?? {}).includes('application/problem+json'),
    )?.content;
    responses['429'] = {
      ...TOO_MANY_REQUESTS,
      ...responses['429'],
      headers: { ...(responses['429']?.headers as object), ...TOO_MANY_REQUESTS.headers },
      ...(problem ? { content: problem } : {}),
    };
    for (const [status, response] of Object.entries(responses)) {
      const limited = /^[24]/.test(status);
      responses[status] = {
        ...response,
        headers: { ...(response.headers as object), ...CORS_HEADER, ...(limited ? RATE_LIMIT_HEADERS : {}) },
      };
    }
    out[method] = { ...op, responses };
  }
  return out;
}
