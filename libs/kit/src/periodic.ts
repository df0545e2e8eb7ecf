// A job every replica runs on a timer (sweepers, clean-ups): never two passes of it at once, and
// stop() waits for the pass in progress, so shutdown does not cut a statement short.

export interface Periodic {
  stop(): Promise<void>;
}

/**
 * Runs `pass` every `intervalMs` (first after one interval). A pass still running when the next is
 * due is not overlapped; `stopped()` lets a long pass end early once stop() was called. A pass that
 * throws is handed to `onError` and the timer goes on.
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
      .catch(onError)
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
