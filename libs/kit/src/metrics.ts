import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LogController } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's Prometheus registry: services register their own metrics here. */
    metrics: Registry;
  }
}

/**
 * The orchestrator's and Prometheus' own requests. They are not traffic: counted in the request
 * histogram they would meet any alert's traffic guard on an idle service and turn a /readyz 503 into
 * a "5xx", and logged at info they are most of the log. (/livez and /healthz are both liveness names.)
 */
export const PROBE_ROUTES: ReadonlySet<string> = new Set(['/livez', '/healthz', '/readyz', '/metrics']);

/** Whether `request` is a probe: by its route pattern, or its path when no route matched yet. */
export function isProbe(request: Pick<FastifyRequest, 'routeOptions' | 'url'>): boolean {
  const route = request.routeOptions?.url ?? request.url.split('?')[0] ?? '';
  return PROBE_ROUTES.has(route);
}

/**
 * Fastify's per-request log lines ("incoming request", "request completed"), at debug for probes:
 * a kubelet probing every few seconds would otherwise write most of the info log. Failures of a
 * probe (a readiness check's warning, an error) keep their own levels.
 */
export class ProbeLogController extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    if (!isProbe(request)) super.incomingRequest(request, reply);
    else if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error || !isProbe(request)) super.requestCompleted(error, request, reply);
    else if (!this.isLogDisabled(request))
      reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/**
 * Prometheus metrics on a registry of this app's own (not prom-client's global one), so several
 * apps built in one test process don't collide on metric names.
 */
export const metricsPlugin = fp(
  async (app: FastifyInstance, opts: { name: string }) => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: opts.name });
    collectDefaultMetrics({ register: registry });
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by route pattern (probes and /metrics not included)',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    app.decorate('metrics', registry);

    app.addHook('onResponse', async (request, reply) => {
      if (isProbe(request)) return;
      // The pattern ('/orders/:id'), never the raw URL: one series per route, not per order id.
      // Unknown routes share one label so a scanner can't explode the series count.
      const route = request.routeOptions.url ?? 'unmatched';
      duration.observe(
        { method: request.method, route, status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });

    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'mercato-metrics' },
);
