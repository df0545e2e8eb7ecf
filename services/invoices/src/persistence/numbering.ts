// Gapless numbers per year, one series per document kind (invoices, credit notes), each with its own
// counter table of one row per year.
import type { EntityManager } from '@mercato/db';

/** The counter table of each series (a fixed list: the name goes into the SQL text). */
const COUNTERS = { invoice: 'invoice_counter', credit_note: 'credit_note_counter' } as const;
export type NumberSeries = keyof typeof COUNTERS;

/**
 * The next gapless number of `series` in `year`. One statement creates the year's row or takes its
 * next number. Either way the row lock is held until commit: documents of one series and year are
 * numbered one at a time, and a rollback gives the number back.
 */
export async function takeNumber(em: EntityManager, series: NumberSeries, year: number): Promise<number> {
  const table = COUNTERS[series];
  const [counter] = await em.execute<{ last: number }[]>(
    `insert into ${table} (year, last) values (?, 1)
     on conflict (year) do update set last = ${table}.last + 1 returning last`,
    [year],
  );
  return Number(counter!.last);
}
