// What a failed try means for a mail, and when the next try is due. SMTP's own classes decide: a 5xx
// reply is permanent (the relay will never take this mail: bad recipient, refused sender), so the
// mail is failed at once; a 4xx reply, a refused or lost connection, a timeout or an attachment that
// cannot be fetched yet are transient: the mail is tried again later with exponential backoff, and
// failed once it has used its tries.

export type TryOutcome =
  | { kind: 'sent'; response: string; messageId: string }
  | { kind: 'transient'; error: string; response?: string }
  | { kind: 'permanent'; error: string; response?: string };

/** A nodemailer error (or any other) as a try's outcome. */
export function classifySendError(err: unknown): Exclude<TryOutcome, { kind: 'sent' }> {
  const e = err as { responseCode?: unknown; response?: unknown; code?: unknown; message?: unknown };
  const response = typeof e?.response === 'string' ? e.response : undefined;
  const code = typeof e?.responseCode === 'number' ? e.responseCode : undefined;
  const error = `${typeof e?.code === 'string' ? `${e.code}: ` : ''}${String(e?.message ?? err)}`.slice(
    0,
    1000,
  );
  if (code !== undefined && code >= 500 && code < 600) return { kind: 'permanent', error, response };
  return { kind: 'transient', error, response };
}

export interface BackoffPolicy {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

/** Delay before try `attempts + 1`, after `attempts` tries failed (1 → base, 2 → 2 × base, …, capped). */
export function backoffMs(attempts: number, policy: BackoffPolicy): number {
  const exp = Math.min(attempts - 1, 30);
  return Math.min(policy.baseMs * 2 ** exp, policy.maxMs);
}

/** After a transient failure of try number `attempts`: try again, or give up. */
export function afterTransient(attempts: number, policy: BackoffPolicy): { retryInMs: number } | 'give-up' {
  if (attempts >= policy.maxAttempts) return 'give-up';
  return { retryInMs: backoffMs(attempts, policy) };
}
