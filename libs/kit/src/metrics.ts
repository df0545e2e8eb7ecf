import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's Prometheus registry: services register their own metrics here. */
    metrics: Registry;
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
      help: 'HTTP request duration in seconds, by route pattern',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    app.decorate('metrics', registry);

    app.addHook('onResponse', async (request, reply) => {
      // The pattern ('/orders/:id'), never the raw URL: one series per route, not per order id.
      // Unknown routes share one label so a scanner can't explode the series count.
      const route = request.routeOptions.url ?? 'unmatched';
      if (route === '/metrics') return;
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
