// Gapless numbers per year, one series per document kind (invoices, credit notes), each with its own
// counter table of one row per year.
import type { EntityManager } from '@mercato/db';

/** The counter table of each series (a fixed list: the name goes into the SQL text). */
const COUNTERS = { invoice: 'invoice_counter', credit_note: 'credit_note_counter' } as const;
export type NumberSeries = keyof typeof COUNTERS;

/**
 * The statement that creates the year's row or takes its next number, returning it as `last`.
 * `rows` gives the row to insert, `(year, 1)`: `values (?, 1)`, or a `select` that yields it only
 * when a number is wanted (issuing.ts takes the invoice's number in the statement that decides).
 * Either way the row lock is held until commit: documents of one series and year are numbered one at
 * a time, and a rollback gives the number back.
 */
export function nextNumberSql(series: NumberSeries, rows: string): string {
  const table = COUNTERS[series];
  return `insert into ${table} (year, last) ${rows}
     on conflict (year) do update set last = ${table}.last + 1 returning last`;
}

/** The next gapless number of `series` in `year`, in one statement (see nextNumberSql). */
export async function takeNumber(em: EntityManager, series: NumberSeries, year: number): Promise<number> {
  const [counter] = await em.execute<{ last: number }[]>(nextNumberSql(series, 'values (?, 1)'), [year]);
  return Number(counter!.last);
}
