// `mercato products import file.csv`: every row checked first (a row that cannot be a product never
// reaches the API), then sent a few at a time with a progress bar on the terminal; a report of the
// rows that failed, with their line number and why. Exit 0 when all were created, 9 when some failed.
import { readFile } from 'node:fs/promises';
import { ProblemError } from '@mercato/sdk';
import { SingleBar } from 'cli-progress';
import { parse } from 'csv-parse/sync';
import type { Ctx } from '../context.ts';
import { CliError, EXIT, isNetworkError } from '../exit-codes.ts';
import { table } from '../output.ts';

const REQUIRED = ['name', 'category', 'price'] as const;
const KNOWN = new Set(['name', 'category', 'price', 'currency', 'description', 'active']);
const PRICE = /^(0\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,5}(\.[0-9]{1,2})?)$/;

export interface RowFailure {
  /** The line of the file (the header is line 1). */
  line: number;
  name: string;
  status?: number;
  error: string;
  fields?: { path: string; message: string }[];
}

interface ProductBody {
  name: string;
  category: string;
  price: { amount: string; currency: string };
  description?: string;
  active?: boolean;
  attributes?: Record<string, string | number | boolean | null>;
}

/** One row as the body of POST /products, or why it cannot be one. */
export function rowToProduct(row: Record<string, string>): { body?: ProductBody; error?: string } {
  const missing = REQUIRED.filter((k) => !row[k]?.trim());
  if (missing.length) return { error: `missing ${missing.join(', ')}` };
  const amount = row.price.trim();
  if (!PRICE.test(amount))
    return { error: `price '${amount}' is not an amount like 12.50 (0.01 to 999999.99)` };
  const currency = (row.currency?.trim() || 'EUR').toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) return { error: `currency '${row.currency}' is not a 3-letter code` };
  let active: boolean | undefined;
  if (row.active?.trim()) {
    const v = row.active.trim().toLowerCase();
    if (!['true', 'false', 'yes', 'no', '1', '0'].includes(v))
      return { error: `active '${row.active}' is not true/false` };
    active = ['true', 'yes', '1'].includes(v);
  }
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(row)) {
    if (!KNOWN.has(key) && value?.trim()) attributes[key] = value.trim();
  }
  return {
    body: {
      name: row.name.trim(),
      category: row.category.trim(),
      price: { amount, currency },
      ...(row.description?.trim() ? { description: row.description.trim() } : {}),
      ...(active === undefined ? {} : { active }),
      ...(Object.keys(attributes).length ? { attributes } : {}),
    },
  };
}

export async function importProducts(
  ctx: Ctx,
  file: string,
  opts: { dryRun?: boolean; concurrency: number },
): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, EXIT.USAGE);
  }
  let records: Record<string, string>[];
  const lines: number[] = [];
  try {
    const parsed = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      bom: true,
      trim: false,
      info: true,
    }) as { record: Record<string, string>; info: { lines: number } }[];
    records = parsed.map((p) => p.record);
    for (const p of parsed) lines.push(p.info.lines);
  } catch (err) {
    throw new CliError(`${file} is not valid CSV: ${(err as Error).message}`, EXIT.USAGE);
  }
  if (records.length === 0) throw new CliError(`${file} has no rows`, EXIT.USAGE);
  const header = Object.keys(records[0]);
  const absent = REQUIRED.filter((k) => !header.includes(k));
  if (absent.length) throw new CliError(`${file}: the header lacks ${absent.join(', ')}`, EXIT.USAGE);

  // The file is checked before the session: bad input is exit 2 whoever runs it.
  if (!opts.dryRun) await ctx.requireSession();
  const failures: RowFailure[] = [];
  const created: { line: number; id: string; name: string }[] = [];
  const work: { line: number; body: ProductBody }[] = [];
  records.forEach((row, i) => {
    const { body, error } = rowToProduct(row);
    if (body) work.push({ line: lines[i], body });
    else failures.push({ line: lines[i], name: row.name ?? '', error: error as string });
  });

  const tty = Boolean(ctx.io.stderr.isTTY) && !ctx.out.json;
  const bar = tty
    ? new SingleBar({
        format: 'importing [{bar}] {value}/{total} rows | {failed} failed | eta {eta}s',
        stream: ctx.io.stderr as NodeJS.WriteStream,
        hideCursor: true,
      })
    : undefined;
  bar?.start(records.length, failures.length, { failed: failures.length });
  let done = failures.length;
  let lastNote = 0;
  const tick = () => {
    done += 1;
    bar?.update(done, { failed: failures.length });
    // No terminal: a line every 10% on stderr instead of a bar (never in --json mode).
    if (
      !tty &&
      !ctx.out.json &&
      (done === records.length || done - lastNote >= Math.ceil(records.length / 10))
    ) {
      lastNote = done;
      ctx.io.stderr.write(`imported ${done}/${records.length} rows, ${failures.length} failed\n`);
    }
  };

  let unreachable: unknown;
  const queue = [...work];
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      if (opts.dryRun) {
        tick();
        continue;
      }
      try {
        const { data } = await ctx.mercato.api.POST('/products', { body: item.body });
        created.push({ line: item.line, id: data?.id as string, name: item.body.name });
      } catch (err) {
        if (err instanceof ProblemError) {
          if (err.status === 401 || err.status === 403) {
            queue.length = 0;
            unreachable = err;
          }
          failures.push({
            line: item.line,
            name: item.body.name,
            status: err.status,
            error: err.detail,
            ...(err.errors.length ? { fields: err.errors } : {}),
          });
        } else if (isNetworkError(err)) {
          queue.length = 0;
          unreachable = err;
          failures.push({ line: item.line, name: item.body.name, error: 'the API cannot be reached' });
        } else throw err;
      }
      tick();
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, work.length || 1) }, worker));
  bar?.stop();
  if (unreachable) throw unreachable;

  failures.sort((a, b) => a.line - b.line);
  created.sort((a, b) => a.line - b.line);
  const summary = {
    file,
    rows: records.length,
    created: created.length,
    failed: failures.length,
    dryRun: Boolean(opts.dryRun),
    products: created,
    failures,
  };
  ctx.out.result(summary, () => {
    const head = opts.dryRun
      ? `${records.length - failures.length} of ${records.length} rows are valid (dry run: nothing created)`
      : `${created.length} of ${records.length} rows imported, ${failures.length} failed`;
    if (!failures.length) return head;
    const report = table(failures, [
      { header: 'LINE', value: (f) => f.line, align: 'right' },
      { header: 'NAME', value: (f) => f.name },
      { header: 'STATUS', value: (f) => f.status ?? 'invalid' },
      {
        header: 'ERROR',
        value: (f) => [f.error, ...(f.fields ?? []).map((e) => `${e.path}: ${e.message}`)].join('; '),
      },
    ]);
    return `${head}\n\n${report}`;
  });
  return failures.length ? EXIT.PARTIAL : EXIT.OK;
}
