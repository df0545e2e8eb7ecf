// Counts the statements pg's clients send to PostgreSQL: what reaches the server, below any deferral
// (@mercato/db's deferred `begin` queued on its own is counted, one folded into `begin;<statement>` is
// not). Issue 14's round-trip tests (shipping, notifications, the outbox relay) and
// bench/transactions.ts count with it.
import pg from 'pg';

/** What a client was connected with: enough to tell a service's ORM from its relay or the test. */
export interface ConnectionParameters {
  /** `-c search_path=<schema>,public`: a service's ORM connects with its schema. */
  options?: string;
  /** `outbox-relay` for libs/messaging's relay pool. */
  application_name?: string;
}

export interface SentStatement<By extends string> {
  /** The statement, whitespace collapsed. */
  sql: string;
  by: By;
  /** performance.now() when it was sent. */
  at: number;
}

export interface StatementRecorder<By extends string> {
  /** What was sent since the last `start()`, in order. */
  readonly sent: readonly SentStatement<By>[];
  /** Forgets what was recorded and records from now. */
  start(): void;
  /** Stops recording; returns what was recorded. */
  stop(): SentStatement<By>[];
  /**
   * Waits until no connection `busy` counts has sent anything (recording or not) for `ms`, at most
   * 10 s: the end of a step whose work runs on after the call that started it (consumers, workers).
   */
  quiet(ms?: number): Promise<void>;
  /** Unpatches pg (also done by the teardown given to `recordStatements`). */
  restore(): void;
}

/**
 * Patches `pg.Client.prototype.query` to record each statement with who sent it, as `who` names it
 * from the client's connection parameters. Call it before the pools to watch are made: a client takes
 * `query` as it is when it connects. `busy` says which senders `quiet()` waits for (default: all).
 */
export function recordStatements<By extends string>(
  teardown: (fn: () => void) => void,
  who: (params: ConnectionParameters) => By,
  busy: (by: By) => boolean = () => true,
): StatementRecorder<By> {
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  // Kept raw and normalised when read: recording adds next to nothing to the CPU a bench measures.
  let sent: { text: unknown; by: By; at: number }[] = [];
  const normalised = () =>
    sent.map(({ text, by, at }) => ({
      sql: String(text ?? '')
        .replace(/\s+/g, ' ')
        .trim(),
      by,
      at,
    }));
  let recording = false;
  let lastBusyAt = 0;
  proto.query = function (this: { connectionParameters?: ConnectionParameters }, ...args: unknown[]) {
    const by = who(this.connectionParameters ?? {});
    const at = performance.now();
    if (busy(by)) lastBusyAt = at;
    if (recording)
      sent.push({
        text: typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text,
        by,
        at,
      });
    return original.apply(this, args);
  };
  const restore = () => {
    proto.query = original;
  };
  teardown(restore);
  return {
    get sent() {
      return normalised();
    },
    start() {
      sent = [];
      recording = true;
    },
    stop() {
      recording = false;
      return normalised();
    },
    async quiet(ms = 300) {
      const deadline = performance.now() + 10_000;
      while (performance.now() - lastBusyAt < ms && performance.now() < deadline)
        await new Promise((r) => setTimeout(r, 25));
    },
    restore,
  };
}

/** A service's ORM connection: its schema is first on the search_path (@mercato/db). */
export const connectedToSchema = (params: ConnectionParameters, schema: string) =>
  schema !== '' && String(params.options ?? '').includes(`search_path=${schema},`);

/** Who sent a statement, for one service under test. */
export type ServiceSender = 'service' | 'relay' | 'other';

/**
 * `recordStatements` for one service: its ORM's connections ('service': its schema first on the
 * search_path), its outbox relay's ('relay', libs/messaging's own pool) and anything else ('other':
 * the test looking); `quiet()` waits for the first two. `schema()` is asked at every statement, so it
 * may be set once the service's schema is known (after the recorder, which must come before its pools).
 */
export function recordServiceStatements(
  teardown: (fn: () => void) => void,
  schema: () => string,
): StatementRecorder<ServiceSender> {
  return recordStatements<ServiceSender>(
    teardown,
    (params) =>
      connectedToSchema(params, schema())
        ? 'service'
        : params.application_name === 'outbox-relay'
          ? 'relay'
          : 'other',
    (by) => by !== 'other',
  );
}

export interface StatementStep {
  step: string;
  /** the service's and its relay's statements */
  statements: SentStatement<ServiceSender>[];
}

/**
 * An order's life step by step: `step(name, run)` records from `run`'s start until the service and
 * its relay have been quiet for `quietMs`, keeping their statements but those `ignore` matches (a
 * periodic sweep that is no part of the order). `summary()` counts them and lays them out, one line a
 * step (`SHOW_STATEMENTS=1`: each statement under its step).
 */
export function statementSteps(
  recorder: StatementRecorder<ServiceSender>,
  opts: { ignore?: (s: SentStatement<ServiceSender>) => boolean; quietMs?: number } = {},
) {
  const quietMs = opts.quietMs ?? 400;
  const steps: StatementStep[] = [];
  const count = (x: StatementStep, by: ServiceSender) => x.statements.filter((s) => s.by === by).length;
  return {
    steps,
    async step(name: string, run: () => Promise<void>): Promise<void> {
      recorder.start();
      await run();
      await recorder.quiet(quietMs);
      const sent = recorder.stop();
      steps.push({ step: name, statements: sent.filter((s) => s.by !== 'other' && !opts.ignore?.(s)) });
    },
    /** Statements of the service and of its relay over every step, and one line per step. */
    summary(): { service: number; relay: number; table: string } {
      const width = Math.max(0, ...steps.map((x) => x.step.length)) + 2;
      const table = steps
        .map(
          (x) =>
            `  ${x.step.padEnd(width)} ${String(count(x, 'service')).padStart(3)} (relay ${count(x, 'relay')})` +
            (process.env.SHOW_STATEMENTS
              ? `\n${x.statements.map((s) => `      ${s.by === 'relay' ? '[relay] ' : ''}${s.sql.slice(0, 160)}`).join('\n')}`
              : ''),
        )
        .join('\n');
      const total = (by: ServiceSender) => steps.reduce((n, x) => n + count(x, by), 0);
      return { service: total('service'), relay: total('relay'), table };
    },
  };
}
