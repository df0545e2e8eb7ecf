export { type AuthOptions, type AuthUser, ISSUER, type Role } from './auth.ts';
export { type BaseConfig, baseConfigSchema, ConfigError, configFromEnvOrExit, loadConfig } from './config.ts';
export { isConnectionError } from './connection-errors.ts';
export { isDataException } from './database-errors.ts';
export { MAX_JSON_DEPTH, unstorableReason } from './hostile-input.ts';
export {
  ACCESS_EXTENSION,
  type Access,
  adminOnly,
  assertIfMatch,
  bearer,
  errorResponses,
  etag,
  IdParam,
  IfMatchHeader,
  idempotencyKeyHeader,
  MAX_PAGE,
  Money,
  Page,
  PageQuery,
} from './http.ts';
export {
  isWellFormedOpaqueToken,
  newOpaqueToken,
  OPAQUE_TOKEN_PATTERN,
  opaqueTokenDigest,
  opaqueTokenMatches,
} from './opaque-token.ts';
export { type DrainLoop, drainLoop, type Periodic, startPeriodic } from './periodic.ts';
export { HttpProblem, PROBLEM_BASE, type ProblemBody, ProblemSchema, problems } from './problems.ts';
export { type App, createService, runService, type ServiceOptions } from './service.ts';
export {
  ServiceClient,
  type ServiceClientOptions,
  type ServiceRequest,
  type ServiceResponse,
} from './service-client.ts';
export type { ValidationIssue } from './validation.ts';
