// The SERVER span of every request a Fastify app answers, and the request's trace context, made by
// Fastify hooks instead of @opentelemetry/instrumentation-http's incoming side. That one wraps
// http.Server's emit and, on every request, sampled or not, binds the request's and the response's
// event emitters to the context (a wrapper per listener) and computes a dozen attributes: it was most
// of what tracing cost per request (bench/README, issue 14). Here an unsampled request costs the
// extraction of `traceparent`, a span that records nothing, and three context switches (at the
// request, after its body is read, at its response).
//
// Loaded by instrument.ts only (the import of @opentelemetry/api is dynamic there), which calls
// traceFastifyRequests before any service module runs: every Fastify() made afterwards gets the hooks
// first, ahead of the service's own.
import { subscribe } from 'node:diagnostics_channel';
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface ServerSpanOptions {
  tracer: Tracer;
  /** Paths (without the query) that get no span and no context: probes and scrapes. */
  quietPaths: ReadonlySet<string>;
  /** The request URL as it may appear in a span (credentials in its query replaced). */
  redactUrl: (url: string) => string;
}

const kSpan = Symbol('mercato.serverSpan');
const kContext = Symbol('mercato.serverSpanContext');
const kError = Symbol('mercato.serverSpanError');
type Traced = FastifyRequest & { [kSpan]: Span | null; [kContext]: Context | null; [kError]: Error | null };

/** Adds the hooks to every Fastify app created from now on (Fastify announces each on this channel). */
export function traceFastifyRequests(options: ServerSpanOptions): void {
  subscribe('fastify.initialization', (message) => {
    addServerSpanHooks((message as { fastify: FastifyInstance }).fastify, options);
  });
}

export function addServerSpanHooks(app: FastifyInstance, options: ServerSpanOptions): void {
  const { tracer, quietPaths, redactUrl } = options;
  app.decorateRequest(kSpan, null);
  app.decorateRequest(kContext, null);
  app.decorateRequest(kError, null);

  // Starts the span (a child of the caller's `traceparent`, if any) and runs the rest of the request's
  // hooks and its handler in its context: log lines carry its ids, outgoing calls pass it on.
  app.addHook('onRequest', (request, _reply, done) => {
    const query = request.url.indexOf('?');
    const path = query === -1 ? request.url : request.url.slice(0, query);
    if (quietPaths.has(path)) return done();
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracer.startSpan(request.method, { kind: SpanKind.SERVER }, parent);
    // Only a sampled span keeps attributes: an unsampled request skips computing them.
    if (span.isRecording()) {
      const route = request.routeOptions.url;
      if (route) span.updateName(`${request.method} ${route}`);
      span.setAttributes({
        'http.request.method': request.method,
        ...(route ? { 'http.route': route } : {}),
        'url.path': path,
        ...(query === -1 ? {} : { 'url.query': redactUrl(request.url).slice(query + 1) }),
        'url.scheme': request.protocol,
        'server.address': request.hostname,
        'client.address': request.ip,
        'network.protocol.version': request.raw.httpVersion,
        ...(request.headers['user-agent'] ? { 'user_agent.original': request.headers['user-agent'] } : {}),
      });
    }
    const ctx = trace.setSpan(parent, span);
    (request as Traced)[kSpan] = span;
    (request as Traced)[kContext] = ctx;
    context.with(ctx, done);
  });

  // A body arrives in the socket's callbacks, outside the request's context: back into it before the
  // validation, the pre-handlers and the handler.
  app.addHook('preValidation', (request, _reply, done) => {
    const ctx = (request as Traced)[kContext];
    if (ctx) context.with(ctx, done);
    else done();
  });

  // Runs before the error handler chooses the status: the error is kept for onResponse to record if
  // the answer was a 5xx (a 4xx is the client's, not an error of this span).
  app.addHook('onError', (request, _reply, error, done) => {
    if ((request as Traced)[kSpan]?.isRecording()) (request as Traced)[kError] = error;
    done();
  });

  // The response went out: the span ends, and the access log line that follows the onResponse hooks
  // ('request completed') is written inside the request's context, with its trace id.
  app.addHook('onResponse', (request, reply, done) => {
    endSpan(request as Traced, reply);
    const ctx = (request as Traced)[kContext];
    if (ctx) context.with(ctx, done);
    else done();
  });
  // The client went away before the answer: no onResponse follows.
  app.addHook('onRequestAbort', (request, done) => {
    endSpan(request as Traced, undefined);
    done();
  });
}

function endSpan(request: Traced, reply: FastifyReply | undefined): void {
  const span = request[kSpan];
  if (!span) return;
  request[kSpan] = null;
  if (span.isRecording()) {
    if (reply) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) {
        const error = request[kError];
        if (error) span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, ...(error ? { message: error.message } : {}) });
      }
    } else {
      span.setAttribute('error.type', 'aborted');
    }
  }
  span.end();
}
