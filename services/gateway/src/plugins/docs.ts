import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import {
  mergeOpenApi,
  type OpenApiDocument,
  type SkippedUpstream,
  type UpstreamDocument,
} from '../domain/openapi.ts';
import type { Upstream } from '../domain/routes.ts';

export interface DocsOptions {
  upstreams: Upstream[];
  timeoutMs: number;
  cacheTtlMs: number;
}

/**
 * Serves the aggregated OpenAPI document at /docs/json (where the kit's Swagger UI at /docs reads
 * it) and /docs/yaml. The kit's createService already owns those routes for the gateway's own
 * document (only its proxy wildcards) and offers no way to replace it, so the gateway answers them
 * from an onRequest hook before the kit's handlers run (fastify-plugin: the hook must reach the
 * kit's routes, which live in the root context).
 */
async function aggregatedDocs(app: FastifyInstance, opts: DocsOptions): Promise<void> {
  const docs = new AggregatedDocs(opts.upstreams, opts.timeoutMs, opts.cacheTtlMs);
  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url;
    if ((route !== '/docs/json' && route !== '/docs/yaml') || request.method !== 'GET') return;
    const document = await docs.get((err, service) =>
      request.log.warn({ err, upstream: service }, 'docs: upstream documentation skipped'),
    );
    if (route === '/docs/json') return reply.send(document);
    // JSON is valid YAML 1.2, so the same document answers the YAML route too.
    return reply.type('application/x-yaml').send(JSON.stringify(document, null, 2));
  });
}

export default fp(aggregatedDocs, { name: 'gateway-aggregated-docs' });

class AggregatedDocs {
  private cached?: { document: OpenApiDocument; expiresAt: number };
  private pending?: Promise<OpenApiDocument>;

  constructor(
    private readonly upstreams: Upstream[],
    private readonly timeoutMs: number,
    private readonly cacheTtlMs: number,
  ) {}

  get(onSkip: (err: unknown, service: string) => void): Promise<OpenApiDocument> {
    if (this.cached && this.cached.expiresAt > Date.now()) return Promise.resolve(this.cached.document);
    // Concurrent readers share one round of fetches instead of each asking every upstream.
    this.pending ??= this.fetchAll(onSkip).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetchAll(onSkip: (err: unknown, service: string) => void): Promise<OpenApiDocument> {
    const fetched: UpstreamDocument[] = [];
    const skipped: SkippedUpstream[] = [];
    await Promise.all(
      this.upstreams.map(async ({ service, url, prefixes }) => {
        try {
          const response = await fetch(`${url}/docs/json`, { signal: AbortSignal.timeout(this.timeoutMs) });
          if (!response.ok) throw new Error(`answered ${response.status}`);
          fetched.push({ service, prefixes, document: (await response.json()) as OpenApiDocument });
        } catch (err) {
          onSkip(err, service);
          skipped.push({ service, reason: describeFailure(err) });
        }
      }),
    );
    const order = (s: string) => this.upstreams.findIndex((u) => u.service === s);
    fetched.sort((a, b) => order(a.service) - order(b.service));
    skipped.sort((a, b) => order(a.service) - order(b.service));
    const document = mergeOpenApi(fetched, skipped);
    // A partial document is kept only briefly, so a service that comes up shows up soon.
    const ttl = skipped.length > 0 ? Math.min(this.cacheTtlMs, 5_000) : this.cacheTtlMs;
    this.cached = { document, expiresAt: Date.now() + ttl };
    return document;
  }
}

function describeFailure(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timed out';
  const code = (err as { cause?: { code?: string } }).cause?.code;
  if (code) return code === 'ECONNREFUSED' ? 'not running' : code;
  return err instanceof Error ? err.message : 'unavailable';
}
