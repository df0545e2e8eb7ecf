// Where a service's log lines go by default: stdout, written in batches. pino's default destination
// writes asynchronously but unbatched: a line that finds no write in flight is written alone (in
// the gateway under load, a write(2) and a libuv thread-pool task per two request lines or so), and
// the access line was 12 % of the gateway's CPU (bench/README, issue 14). Here a batch of about
// LOG_BATCH_BYTES costs one write.
//
// What is kept when the process ends:
// - a graceful stop (SIGTERM/SIGINT through runService, process.exit, an uncaught error handled by
//   close-with-grace) loses nothing: pino flushes the buffer synchronously on the process's `exit`;
// - a hard crash (SIGKILL, the OOM killer, a V8 abort) loses the lines still in the buffer: at most
//   LOG_BATCH_BYTES plus what was written in the last LOG_FLUSH_MS.
import { destination as pinoDestination } from 'pino';

/** Lines are held until this many bytes are buffered … */
export const LOG_BATCH_BYTES = 4096;
/** … or this long has passed, so a quiet service's lines still show up promptly. */
export const LOG_FLUSH_MS = 250;

export interface LogDestination {
  write(line: string): void;
}

let stdout: LogDestination | undefined;

/**
 * The process's buffered stdout destination, one for every app of the process (tests build several):
 * lines from all of them stay in the order they were written.
 */
export function bufferedStdout(): LogDestination {
  stdout ??= bufferedDestination(1);
  return stdout;
}

/** Lines to file descriptor `fd`, written by the batch (exported for its test). */
export function bufferedDestination(fd: number, flushMs = LOG_FLUSH_MS): LogDestination {
  // pino.destination registers a synchronous flush on the process's exit (sonic-boom, sync: false).
  const destination = pinoDestination({ dest: fd, sync: false, minLength: LOG_BATCH_BYTES });
  // sonic-boom's own periodicFlush writes even when nothing is buffered (an empty write(2) per tick in
  // an idle service): flushed here only after a line came.
  let pending = false;
  setInterval(() => {
    if (!pending) return;
    pending = false;
    destination.flush();
  }, flushMs).unref();
  return {
    write(line: string): void {
      pending = true;
      destination.write(line);
    },
  };
}
