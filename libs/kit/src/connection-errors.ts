// "The database (or another backing server) cannot be reached right now" — as opposed to "this
// request or this statement is wrong". A PostgreSQL restart or failover produces the first kind:
// refused connects, sessions terminated by the server, a server still starting up. Those are
// transient: HTTP answers 503 with Retry-After, consumers retry the message without counting it
// against its retries, workers try again on their next round. Kept free of driver imports so every
// lib (kit's error handler, messaging, the services' workers) can use it.

// SQLSTATE class 08 (connection exception: 08000, 08003, 08006, 08001, 08004, …) and the
// operator-intervention codes a restart or failover sends: 57P01 admin_shutdown ("terminating
// connection due to administrator command"), 57P02 crash_shutdown, 57P03 cannot_connect_now ("the
// database system is starting up / shutting down"). 53300 too_many_connections passes too.
// 08P01 protocol_violation is not among them: it is what a statement the server could not parse off
// the wire gets (a NUL inlined into SQL), a bug to fix, not an outage to wait out.
const SQLSTATE = /^(08(?!P01)[0-9A-Z]{3}|57P0[123]|53300)$/;

// Socket-level failures of a connect or of an open session.
const ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

// What the pg driver throws without a code when the server goes away under it.
const MESSAGE =
  /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect/i;

/**
 * True when `err` (or its `cause`, or one of an AggregateError's errors) says a backing server is
 * unreachable right now. MikroORM's DriverException keeps the driver's `code`, so it is recognised
 * through the ORM too.
 */
export function isConnectionError(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  const e = err as {
    code?: unknown;
    sqlState?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  for (const code of [e.code, e.sqlState]) {
    if (typeof code !== 'string') continue;
    if (SQLSTATE.test(code) || ERRNO.has(code)) return true;
  }
  if (typeof e.message === 'string' && MESSAGE.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isConnectionError(inner, depth + 1))) return true;
  return isConnectionError(e.cause, depth + 1);
}
