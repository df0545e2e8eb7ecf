// Holds every response to the service's own OpenAPI document while tests run, so that a document
// that says one thing while the service does another fails the test that saw it, loudly: the
// response is replaced by a 500 problem+json naming what did not match, and an error is logged.
// Off in production (the cost is a parse and a schema check per response); on under tap (which sets
// TAP=1 in every test process and its children) or with MERCATO_VALIDATE_RESPONSES=1.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { openApiPath } from './contract.ts';
import { PROBLEM_BASE } from './problems.ts';

export const CONTRACT_VIOLATION_TYPE = `${PROBLEM_BASE}response-contract-violation`;

/** On under tests unless MERCATO_VALIDATE_RESPONSES=0; elsewhere only with MERCATO_VALIDATE_RESPONSES=1. */
export function responseCheckEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const setting = env.MERCATO_VALIDATE_RESPONSES;
  if (setting === '0' || setting === 'false') return false;
  return setting === '1' || setting === 'true' || env.TAP === '1';
}

interface ResponseObject {
  headers?: Record<string, { required?: boolean }>;
  content?: Record<string, { schema?: unknown }>;
}
type Operation = { responses?: Record<string, ResponseObject> };
type OpenApi = { paths?: Record<string, Record<string, Operation | undefined>> };

/** What is wrong with one response, measured against the document's operation; [] when nothing. */
export function responseMismatches(
  operation: Operation,
  response: { status: number; contentType?: string; body?: string; hasHeader(name: string): boolean },
  compile: (schema: unknown) => (value: unknown) => string[] = compileSchema,
): string[] {
  const responses = operation.responses ?? {};
  const status = String(response.status);
  const declared = responses[status] ?? responses[`${status[0]}XX`] ?? responses.default;
  if (!declared) return [`status ${status} is not declared (declared: ${Object.keys(responses).join(', ')})`];

  const problems: string[] = [];
  for (const [name, h] of Object.entries(declared.headers ?? {}))
    if (h.required && !response.hasHeader(name)) problems.push(`header ${name} is declared but missing`);

  const mediaType = response.contentType?.split(';')[0]?.trim().toLowerCase();
  const hasBody = response.body !== undefined && response.body !== '';
  const content = declared.content ?? {};
  const mediaTypes = Object.keys(content);
  if (mediaTypes.length === 0) {
    if (hasBody)
      problems.push(`status ${status} declares no body, but one was sent (${mediaType ?? 'no type'})`);
    return problems;
  }
  if (!mediaType || !(mediaType in content)) {
    if (hasBody || mediaType)
      problems.push(
        `content type ${mediaType ?? 'none'} is not declared for ${status} (${mediaTypes.join(', ')})`,
      );
    else problems.push(`status ${status} declares a ${mediaTypes.join(' or ')} body, but none was sent`);
    return problems;
  }
  if (!isJson(mediaType) || response.body === undefined) return problems;
  let value: unknown;
  try {
    value = JSON.parse(response.body);
  } catch {
    return [...problems, `the ${mediaType} body is not JSON`];
  }
  const schema = content[mediaType]?.schema;
  if (schema) problems.push(...compile(schema)(value).map((e) => `body ${e}`));
  return problems;
}

const compiled = new WeakMap<object, (value: unknown) => string[]>();
function compileSchema(schema: unknown): (value: unknown) => string[] {
  const key = schema as object;
  let check = compiled.get(key);
  if (!check) {
    const validator = Compile(schema as TSchema);
    check = (value) =>
      validator.Check(value)
        ? []
        : [...validator.Errors(value)].slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`);
    compiled.set(key, check);
  }
  return check;
}

function isJson(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

/**
 * Adds the check to an app (createService does, when responseCheckEnabled()). Only routes the
 * document lists are checked: probes, /docs, unknown routes and hidden routes are not in it.
 */
export function addResponseCheck(app: FastifyInstance): void {
  let document: OpenApi | undefined;
  const operationFor = (request: FastifyRequest): Operation | undefined => {
    const url = request.routeOptions.url;
    if (!url) return undefined;
    document ??= (app as unknown as { swagger(): OpenApi }).swagger();
    return document.paths?.[openApiPath(url)]?.[request.method.toLowerCase()];
  };

  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const operation = operationFor(request);
    // Not in the document, or undocumented (no response declared, so no error either: see contractRoute).
    if (!operation || !Object.keys(operation.responses ?? {}).some((s) => /^[45]/.test(s))) return payload;
    const body =
      typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined;
    const streamed = payload !== null && payload !== undefined && body === undefined;
    const contentType = reply.getHeader('content-type');
    const mismatches = responseMismatches(operation, {
      status: reply.statusCode,
      contentType: typeof contentType === 'string' ? contentType : undefined,
      // A stream's bytes are not seen here: only its status, type and headers are checked.
      body: streamed ? ' ' : body,
      hasHeader: (name) => reply.hasHeader(name),
    }).filter((m) => !(streamed && m.startsWith('the ')));
    if (mismatches.length === 0) return payload;

    const detail = `Response does not match the document (${request.method} ${request.routeOptions.url} → ${reply.statusCode}): ${mismatches.join('; ')}`;
    request.log.error({ mismatches, status: reply.statusCode, route: request.routeOptions.url }, detail);
    reply.code(500).type('application/problem+json');
    for (const name of ['etag', 'location', 'retry-after', 'content-disposition'])
      if (reply.hasHeader(name)) reply.removeHeader(name);
    return JSON.stringify({
      type: CONTRACT_VIOLATION_TYPE,
      title: 'Internal Server Error',
      status: 500,
      detail,
      instance: request.url.split('?')[0],
      requestId: String(request.id),
    });
  });
}
