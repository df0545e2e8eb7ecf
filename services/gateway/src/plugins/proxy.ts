import proxy from '@fastify/http-proxy';
import { type App, HttpProblem } from '@mercato/kit';
import type { FastifyRequest } from 'fastify';
import type { Upstream } from '../domain/routes.ts';
import { upstreamProblem } from './upstream-errors.ts';

export interface ProxyOptions {
  upstreams: Upstream[];
  timeoutMs: number;
  bodyLimit: number;
}

/**
 * One reverse proxy per routed prefix. Bodies are streamed through untouched (the upstream parses
 * and validates them); only their declared size is checked here.
 */
export async function registerProxies(app: App, opts: ProxyOptions): Promise<void> {
  app.addHook('onRequest', async (request) => {
    const length = Number(request.headers['content-length'] ?? 0);
    if (length > opts.bodyLimit) throw payloadTooLarge(opts.bodyLimit);
  });

  for (const upstream of opts.upstreams) {
    for (const prefix of upstream.prefixes) {
      await app.register(proxy, {
        upstream: upstream.url,
        prefix,
        rewritePrefix: prefix,
        disableRequestLogging: true,
        undici: {
          connections: 128,
          headersTimeout: opts.timeoutMs,
          bodyTimeout: opts.timeoutMs,
          connectTimeout: opts.timeoutMs,
        },
        replyOptions: {
          rewriteRequestHeaders: (request, headers) => ({
            ...headers,
            'x-request-id': String(request.id),
            'x-forwarded-for': forwardedFor(request),
            'x-forwarded-proto': request.protocol,
            'x-forwarded-host': request.host,
          }),
          // The upstream's answer is final: a 503 from it is passed on, never retried here.
          retryDelay: () => null,
          onError: (reply, { error }) => {
            reply.send(upstreamProblem(upstream.service, error, opts.timeoutMs));
          },
        },
      });
    }
  }
}

function forwardedFor(
  request: Pick<FastifyRequest, 'headers' | 'ip'> & { raw: { socket?: { remoteAddress?: string } } },
): string {
  const previous = request.headers['x-forwarded-for'];
  const peer = request.raw.socket?.remoteAddress ?? request.ip;
  return previous ? `${previous}, ${peer}` : peer;
}

function payloadTooLarge(limit: number): HttpProblem {
  return new HttpProblem({
    status: 413,
    slug: 'payload-too-large',
    title: 'Payload Too Large',
    detail: `The request body is larger than ${limit} bytes`,
  });
}
