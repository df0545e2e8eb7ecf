import { ProblemError } from '@mercato/sdk';
import { CliError, EXIT, exitCodeFor, isNetworkError } from './exit-codes.ts';

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export type Column<T> = { header: string; value: (row: T) => unknown; align?: 'right' };

/** A plain text table for people: a header, a rule, aligned columns. */
export function table<T>(rows: T[], columns: Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => text(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i].align === 'right' ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((c) => c.header)),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
  ].join('\n');
}

/** Two columns, field and value, for one record. */
export function details(pairs: [string, unknown][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${text(v)}`).join('\n');
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') {
    const money = value as { amount?: unknown; currency?: unknown };
    if (typeof money.amount === 'string' && typeof money.currency === 'string')
      return `${money.amount} ${money.currency}`;
    return JSON.stringify(value);
  }
  return String(value).replace(/\s+/g, ' ');
}

export const money = (m: { amount: string; currency: string } | undefined | null) =>
  m ? `${m.amount} ${m.currency}` : '';

export class Output {
  constructor(
    readonly io: Io,
    readonly json: boolean,
  ) {}

  /** The result of a command: JSON (`--json`) or the text for people. */
  result(data: unknown, human: () => string): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(data)}\n`);
    else {
      const out = human();
      if (out) this.io.stdout.write(`${out}\n`);
    }
  }

  /** A line for people only (progress, hints) on stderr, never in --json output. */
  note(message: string): void {
    if (!this.json) this.io.stderr.write(`${message}\n`);
  }

  /** Prints the failure (stderr) and returns the exit code. */
  failure(err: unknown): number {
    const code = exitCodeFor(err);
    if (this.json) {
      this.io.stderr.write(`${JSON.stringify({ error: describe(err), exitCode: code })}\n`);
      return code;
    }
    this.io.stderr.write(`mercato: ${humanMessage(err)}\n`);
    if (code === EXIT.AUTH) this.io.stderr.write('mercato: sign in with `mercato login`\n');
    return code;
  }
}

function describe(err: unknown): Record<string, unknown> {
  if (err instanceof ProblemError) {
    return {
      status: err.status,
      type: err.type,
      slug: err.slug,
      title: err.title,
      detail: err.detail,
      ...(err.errors.length ? { errors: err.errors } : {}),
      ...(err.requestId ? { requestId: err.requestId } : {}),
    };
  }
  if (err instanceof CliError) return { message: err.message };
  if (isNetworkError(err)) return { message: networkMessage(err) };
  return { message: err instanceof Error ? err.message : String(err) };
}

function networkMessage(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return `the API cannot be reached (${cause?.code ?? cause?.message ?? 'network error'})`;
}

function humanMessage(err: unknown): string {
  if (err instanceof ProblemError) {
    const fields = err.errors.map((e) => `\n  ${e.path || '(body)'}: ${e.message}`).join('');
    const request = err.requestId ? ` [request ${err.requestId}]` : '';
    return `${err.detail} (${err.status} ${err.slug})${request}${fields}`;
  }
  if (isNetworkError(err)) return networkMessage(err);
  return err instanceof Error ? err.message : String(err);
}
