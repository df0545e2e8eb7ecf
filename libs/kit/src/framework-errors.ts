// The answers Fastify and Node's HTTP parser give before a route (or even a request object) exists
// are their own JSON by default; these make them application/problem+json like every other error.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { uuidv7 } from 'uuidv7';
import { PROBLEM_BASE } from './problems.ts';

/**
 * Fastify's `frameworkErrors`: the router could not route the URL — a malformed percent-encoding in
 * the path (FST_ERR_BAD_URL) or a path parameter longer than maxParamLength (FST_ERR_MAX_PARAM_LENGTH).
 * Neither hooks nor the service's error handler run for these (Fastify calls this with a bare
 * request and reply), so the problem, with the request id, is sent from here.
 */
export function onFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const [status, detail] =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? [414, 'A path parameter is longer than any identifier this API uses']
      : error.code === 'FST_ERR_BAD_URL'
        ? [400, 'The URL path contains a malformed percent-encoding']
        : [500, 'An unexpected error occurred. Quote the request id when reporting it.'];
  if (status >= 500) request.log.error({ err: error }, 'router error');
  else request.log.info({ err: error }, 'client error');
  reply
    .code(status)
    .header('x-request-id', request.id)
    .type('application/problem+json')
    .send({
      type: PROBLEM_BASE + (SLUGS[status] ?? 'bad-request'),
      title: STATUS_CODES[status],
      status,
      detail,
      // The raw path is what could not be decoded: it is not echoed back.
      requestId: String(request.id),
    });
}

/**
 * Fastify's `clientErrorHandler` (Node's 'clientError'): the request could not even be parsed —
 * headers too large (431), a timeout (408), anything else malformed (400). There is no request
 * object, so the answer is written to the socket by hand, which is then closed.
 */
export function onClientError(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset connection has nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request line or headers are larger than this server accepts']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request was not received in time']
        : [400, 'The request is not valid HTTP/1.1'];
  const requestId = uuidv7();
  this.log.debug({ err, requestId, status }, 'client error');
  if (socket.writable) {
    const body = JSON.stringify({
      type: PROBLEM_BASE + (SLUGS[status] ?? 'bad-request'),
      title: STATUS_CODES[status],
      status,
      detail,
      requestId,
    });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/problem+json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy(err);
}

const SLUGS: Record<number, string> = {
  400: 'bad-request',
  408: 'request-timeout',
  414: 'uri-too-long',
  431: 'request-header-fields-too-large',
  500: 'internal-error',
};
