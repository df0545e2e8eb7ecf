import { Type } from 'typebox';

/** Stable problem type URIs: clients switch on these, so a slug never changes once published. */
export const PROBLEM_BASE = 'https://mercato.dev/problems/';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

/** An error a handler throws to answer with application/problem+json (RFC 9457). */
export class HttpProblem extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly extensions?: Record<string, unknown>;
  /** Extra reply headers the problem needs (Retry-After on 429). */
  readonly headers?: Record<string, string>;

  constructor(opts: {
    status: number;
    slug: string;
    title: string;
    detail?: string;
    extensions?: Record<string, unknown>;
    headers?: Record<string, string>;
  }) {
    super(opts.detail ?? opts.title);
    this.name = 'HttpProblem';
    this.status = opts.status;
    this.type = PROBLEM_BASE + opts.slug;
    this.title = opts.title;
    this.detail = opts.detail ?? opts.title;
    this.extensions = opts.extensions;
    this.headers = opts.headers;
  }
}

const make =
  (status: number, slug: string, title: string) =>
  (detail?: string, extensions?: Record<string, unknown>): HttpProblem =>
    new HttpProblem({ status, slug, title, detail, extensions });

export const problems = {
  badRequest: make(400, 'bad-request', 'Bad Request') as (
    detail: string,
    ext?: Record<string, unknown>,
  ) => HttpProblem,
  unauthorized: make(401, 'unauthorized', 'Unauthorized') as (detail?: string) => HttpProblem,
  forbidden: make(403, 'forbidden', 'Forbidden') as (detail?: string) => HttpProblem,
  notFound: make(404, 'not-found', 'Not Found') as (detail?: string) => HttpProblem,
  conflict: make(409, 'conflict', 'Conflict') as (
    detail: string,
    ext?: Record<string, unknown>,
  ) => HttpProblem,
  preconditionFailed: make(412, 'precondition-failed', 'Precondition Failed') as (
    detail?: string,
  ) => HttpProblem,
  unprocessable: make(422, 'unprocessable-entity', 'Unprocessable Entity') as (
    detail: string,
    ext?: Record<string, unknown>,
  ) => HttpProblem,
  tooManyRequests: (detail: string, retryAfterSeconds: number): HttpProblem =>
    new HttpProblem({
      status: 429,
      slug: 'too-many-requests',
      title: 'Too Many Requests',
      detail,
      extensions: { retryAfter: retryAfterSeconds },
      headers: { 'retry-after': String(Math.max(0, Math.ceil(retryAfterSeconds))) },
    }),
  badGateway: make(502, 'bad-gateway', 'Bad Gateway') as (detail?: string) => HttpProblem,
  serviceUnavailable: make(503, 'service-unavailable', 'Service Unavailable') as (
    detail?: string,
  ) => HttpProblem,
  gatewayTimeout: make(504, 'gateway-timeout', 'Gateway Timeout') as (detail?: string) => HttpProblem,
};

/** For `response: { 404: ProblemSchema }` so OpenAPI documents the error shape. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ format: 'uri' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { additionalProperties: true, description: 'RFC 9457 problem details' },
);
