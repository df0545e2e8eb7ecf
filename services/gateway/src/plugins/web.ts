import proxy from '@fastify/http-proxy';
import { problems } from '@mercato/kit';
import type { FastifyInstance } from 'fastify';
import { forwardedHeaders, type TrustedProxies } from '../domain/client-address.ts';

export interface WebProxyOptions {
  /** WEB_URL: the storefront (services/web) */
  url: string;
  timeoutMs: number;
  trustProxy: boolean;
  trustedProxies?: TrustedProxies;
}

/**
 * The storefront at `/`: every path that no API prefix, probe or /docs claims goes to services/web
 * (find-my-way matches those more specific routes first). Not counted by the API rate limiter: the
 * pages are a client of the API, and each API call they make is counted when it comes back through.
 */
export default async function webProxy(app: FastifyInstance, opts: WebProxyOptions): Promise<void> {
  await app.register(proxy, {
    upstream: opts.url.replace(/\/+$/, ''),
    prefix: '/',
    // No OPTIONS: @fastify/cors answers preflights on `/*` already (and a page needs none).
    httpMethods: ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'],
    disableRequestLogging: true,
    undici: {
      connections: 64,
      headersTimeout: opts.timeoutMs,
      // The order page's live stream stays open: it sends a comment at least every 5 s.
      bodyTimeout: opts.timeoutMs,
      connectTimeout: opts.timeoutMs,
    },
    replyOptions: {
      rewriteRequestHeaders: (request, headers) =>
        forwardedHeaders(request, headers, opts.trustProxy, opts.trustedProxies),
      retryDelay: () => null,
      onError: (reply, { error }) => {
        reply.log.warn({ err: error }, 'storefront did not answer');
        reply.send(problems.serviceUnavailable('The storefront is unavailable'));
      },
    },
  });
}
