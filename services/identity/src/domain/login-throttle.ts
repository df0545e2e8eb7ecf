// How repeated failed logins are answered: a few are free, then each further attempt must wait a
// growing delay, and past a limit the account (or client IP) is locked for a while. Pure policy; the
// counters live in Redis (see ../persistence/login-throttle.ts).
export interface ThrottlePolicy {
  slowdownAfter: number;
  lockAfter: number;
  slowdownBaseMs: number;
  lockMs: number;
}

export type ThrottleVerdict =
  | { kind: 'none' }
  | { kind: 'slowdown'; waitMs: number }
  | { kind: 'lock'; waitMs: number };

/** What follows from `failures` failed attempts in the current window. */
export function verdictAfterFailures(failures: number, policy: ThrottlePolicy): ThrottleVerdict {
  if (failures >= policy.lockAfter) return { kind: 'lock', waitMs: policy.lockMs };
  if (failures >= policy.slowdownAfter) {
    const doublings = Math.min(failures - policy.slowdownAfter, 16);
    return { kind: 'slowdown', waitMs: Math.min(policy.slowdownBaseMs * 2 ** doublings, policy.lockMs) };
  }
  return { kind: 'none' };
}

/** Retry-After is in whole seconds; never tell a client "0" while it still has to wait. */
export function retryAfterSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}
