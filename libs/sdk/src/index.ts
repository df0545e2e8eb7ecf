// @mercato/sdk — the typed client of the Mercato API through its gateway, for Node and browsers.
// No Node-only modules here: test/browser.test.ts bundles this entry for the browser.
export type { Client } from 'openapi-fetch';
export {
  createMercato,
  type Mercato,
  type MercatoOptions,
  newIdempotencyKey,
  type RegisterBody,
  type RetryOptions,
  unwrap,
} from './client.ts';
export { etagOf, ifMatch, withETag } from './etag.ts';
export type { components, operations, paths } from './generated/openapi.ts';
export { IDEMPOTENT_OPERATIONS } from './generated/operations.ts';
export {
  isProblem,
  isProblemError,
  PROBLEM_BASE,
  type Problem,
  ProblemError,
  retryAfterMs,
} from './problems.ts';
export { MemoryTokenStore, type TokenResponse, type TokenStore, type Tokens, tokensFrom } from './tokens.ts';
