import proxy from '@fastify/http-proxy';
import { HttpProblem, problems } from '@mercato/kit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { forwardedHeaders, type TrustedProxies } from '../domain/client-address.ts';
import type { Upstream } from '../domain/routes.ts';

export interface ProxyOptions {
  upstreams: Upstream[];
  timeoutMs: number;
  bodyLimit: number;
  /** TRUST_PROXY: an ingress in front names the client in X-Forwarded-For */
  trustProxy: boolean;
  /** TRUSTED_PROXIES: peers (the storefront) whose X-Forwarded-For names the client */
  trustedProxies?: TrustedProxies;
}

/**
 * One reverse proxy per routed prefix. Bodies are streamed through untouched (the upstream parses
 * and validates them); only their declared size is checked here. fastify-plugin so that it shares
 * the context of the rate limiter registered before it.
 */
async function gatewayProxies(app: FastifyInstance, opts: ProxyOptions): Promise<void> {
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
          rewriteRequestHeaders: (request, headers) =>
            forwardedHeaders(request, headers, opts.trustProxy, opts.trustedProxies),
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

export default fp(gatewayProxies, { name: 'gateway-proxies' });

function payloadTooLarge(limit: number): HttpProblem {
  return new HttpProblem({
    status: 413,
    slug: 'payload-too-large',
    title: 'Payload Too Large',
    detail: `The request body is larger than ${limit} bytes`,
  });
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const TIMEOUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * What the client is told when an upstream fails: 503 when it cannot be reached (not running),
 * 504 when it did not answer in time, 502 when it broke the exchange (reset, garbage).
 */
function upstreamProblem(service: string, error: unknown, timeoutMs: number): HttpProblem {
  const e = error as { code?: string; statusCode?: number; cause?: { code?: string } };
  const code = e.cause?.code ?? e.code ?? '';
  if (UNREACHABLE.has(code)) return problems.serviceUnavailable(`The ${service} service is unavailable`);
  if (TIMEOUT.has(code) || e.statusCode === 504)
    return problems.gatewayTimeout(`The ${service} service did not answer within ${timeoutMs} ms`);
  return problems.badGateway(`The ${service} service failed to answer`);
}
