import { type HttpProblem, problems } from '@mercato/kit';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const TIMEOUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * What the client is told when an upstream fails: 503 when it cannot be reached (not running),
 * 504 when it did not answer in time, 502 when it broke the exchange (reset, garbage).
 */
export function upstreamProblem(service: string, error: unknown, timeoutMs: number): HttpProblem {
  const e = error as { code?: string; statusCode?: number; cause?: { code?: string } };
  const code = e.cause?.code ?? e.code ?? '';
  if (UNREACHABLE.has(code)) return problems.serviceUnavailable(`The ${service} service is unavailable`);
  if (TIMEOUT.has(code) || e.statusCode === 504)
    return problems.gatewayTimeout(`The ${service} service did not answer within ${timeoutMs} ms`);
  return problems.badGateway(`The ${service} service failed to answer`);
}
