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
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      ...components,
      securitySchemes: {
        ...components.securitySchemes,
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
    },
    tags: [...tags.values()],
    'x-mercato-skipped': skipped,
  };
}
