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

export interface DrainLoop extends Periodic {
  /** Drain now (new work was just recorded); during a drain, once more right after it. */
  wake(): void;
  /** From now on also drain every `intervalMs` (and once at once). */
  poll(intervalMs: number): void;
}

/**
 * A worker's loop over due rows (bookings, provider calls): on wake(), and every interval once poll()
 * was called, it calls `batch` until a batch finds nothing (returns 0). Never two drains at once; a
 * wake during a drain runs one more, so work recorded meanwhile is not left to the next poll. A batch
 * that throws is handed to `onError` and the loop goes on with the next poll or wake. stop() waits
 * for the drain in progress.
 */
export function drainLoop(
  batch: (stopped: () => boolean) => Promise<number>,
  onError: (err: unknown) => void,
): DrainLoop {
  let stopped = false;
  let again = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const isStopped = () => stopped;
  const wake = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          while (!stopped && (await batch(isStopped)) > 0) {}
        } catch (err) {
          try {
            onError(err);
          } catch {}
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
    });
  };
  return {
    wake,
    poll(intervalMs) {
      if (timer) clearInterval(timer);
      timer = setInterval(wake, intervalMs);
      timer.unref();
      wake();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
