// A job every replica runs on a timer (sweepers, clean-ups): never two passes of it at once, and
// stop() waits for the pass in progress, so shutdown does not cut a statement short.

export interface Periodic {
  stop(): Promise<void>;
}

/**
 * Runs `pass` every `intervalMs` (first after one interval). A pass still running when the next is
 * due is not overlapped; `stopped()` lets a long pass end early once stop() was called. A pass that
 * throws (the database is down, say) is handed to `onError` and the timer goes on: the next pass
 * tries again, so the job resumes by itself once what it needs is back.
 */
export function startPeriodic(
  intervalMs: number,
  pass: (stopped: () => boolean) => Promise<unknown>,
  onError: (err: unknown) => void,
): Periodic {
  let running = true;
  let current: Promise<unknown> | undefined;
  const stopped = () => !running;
  const timer = setInterval(() => {
    if (!running || current) return;
    current = pass(stopped)
      .catch((err) => {
        // An onError that throws must not become an unhandled rejection: that would end the
        // process, and a pass that failed (the database restarting) is only ever retried later.
        try {
          onError(err);
        } catch {}
      })
      .finally(() => {
        current = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      running = false;
      clearInterval(timer);
      await current;
    },
  };
}
