// Forgetting rows past their time (idempotency records, say) without long locks: many short DELETEs.
import type { MikroORM } from '@mikro-orm/postgresql';

export interface ExpiryOptions {
  /** the service's table, unqualified ('idempotency_key') */
  table: string;
  /** its timestamptz column ('created_at'); index it */
  column: string;
  /** rows older than this, by the database's clock, go */
  olderThanHours: number;
  /** rows per DELETE (default 1000): each statement is short, its row locks brief */
  batchSize?: number;
  /** DELETEs per call at most (default 100); a bigger backlog goes on at the next call */
  maxBatches?: number;
  /** checked between batches: true ends the call early (the app is closing) */
  stopped?: () => boolean;
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Deletes the rows of `table` whose `column` is older than `olderThanHours`, in batches; returns how
 * many went. Safe on every replica at once: a batch takes only rows nobody else holds (SKIP LOCKED),
 * so replicas never wait on one another. The batch is found through the column's index and deleted
 * by row address: `key in (select …)` may make the planner scan the whole table for every batch. The
 * addresses are stable, since the statement itself holds the rows' locks.
 */
export async function deleteExpiredRows(orm: Pick<MikroORM, 'em'>, opts: ExpiryOptions): Promise<number> {
  if (!IDENT.test(opts.table) || !IDENT.test(opts.column)) {
    throw new Error(`deleteExpiredRows: bad table or column ${opts.table}.${opts.column}`);
  }
  const batchSize = opts.batchSize ?? 1000;
  const maxBatches = opts.maxBatches ?? 100;
  const em = orm.em.fork();
  const table = `"${em.config.get('schema')}"."${opts.table}"`;
  let total = 0;
  for (let i = 0; i < maxBatches && !opts.stopped?.(); i++) {
    const [row] = await em.execute<{ n: number }[]>(
      `with gone as (
         delete from ${table}
          where ctid = any(array(
            select ctid from ${table}
             where "${opts.column}" < now() - ? * interval '1 hour'
             limit ? for update skip locked))
         returning 1)
       select count(*)::int as n from gone`,
      [opts.olderThanHours, batchSize],
    );
    const n = row?.n ?? 0;
    total += n;
    if (n < batchSize) break;
  }
  return total;
}
