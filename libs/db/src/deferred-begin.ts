// A transaction's `begin` is a round trip of its own: Kysely, under MikroORM, sends it and waits for
// the answer before the transaction's first statement. In bench:orders' statement census (issue 14)
// `begin` was 29.5 of the ~178 statements of an order, every one a socket write, a wake-up of a
// PostgreSQL backend and a reply to parse (pg's socket writes were 12–26 % of every order-path
// service's profile). Here the `begin` is held back and sent with the transaction's first statement:
// - a statement without parameters goes as one simple query, `begin;<statement>`: one round trip.
//   The consumers' inbox claim is written so (libs/messaging inbox.ts), so every consumed event
//   saves one;
// - a statement with parameters cannot share a simple query: `begin` is queued just before it (pg
//   sends them in order, with no wait between them on our side);
// - a transaction that ends with no statement sent (a worker's look that found nothing, then its
//   `commit`) costs nothing at all.
// What PostgreSQL sees is the same transaction: it starts before the first statement, as before.
import type pg from 'pg';

type Query = pg.PoolClient['query'];
// The untyped call: the overloads of `query` do not describe a forwarded argument list.
type AnyQuery = (...args: unknown[]) => Promise<unknown>;

const done = (command: string) =>
  Promise.resolve({ command, rowCount: null, oid: 0, rows: [], fields: [] } as unknown as pg.QueryResult);

const noValues = (values: unknown) => values === undefined || (Array.isArray(values) && values.length === 0);

/** Every client of `pool` defers a plain `begin` to the transaction's first statement. */
export function deferBegin(pool: pg.Pool): void {
  const forget = new WeakMap<pg.ClientBase, () => void>();
  pool.on('connect', (client) => forget.set(client, deferBeginOn(client)));
  // A client never goes back to the pool inside a transaction; if one did, its next user starts clean.
  pool.on('release', (_err: unknown, client: pg.PoolClient) => forget.get(client)?.());
}

/**
 * `client` defers a plain `begin` (the promise form, as Kysely sends it) to its next statement.
 * Returns what drops a deferred `begin` not sent yet.
 */
export function deferBeginOn(client: pg.ClientBase): () => void {
  const query = client.query as unknown as AnyQuery;
  let pending = false;
  client.query = function deferredBeginQuery(this: unknown, ...args: unknown[]) {
    const [config, values, callback] = args;
    const plain = typeof config === 'string' && typeof values !== 'function' && callback === undefined;
    if (plain && noValues(values)) {
      const sql = config as string;
      if (sql === 'begin' && !pending) {
        pending = true;
        return done('BEGIN');
      }
      if (pending) {
        pending = false;
        // Nothing was sent since the begin: there is nothing to commit or roll back.
        if (sql === 'commit') return done('COMMIT');
        if (sql === 'rollback') return done('ROLLBACK');
        return query.call(client, `begin;${sql}`).then((results) => {
          // One result per statement: the begin's, then the statement's (or statements').
          if (!Array.isArray(results)) return results;
          return results.length === 2 ? results[1] : results.slice(1);
        });
      }
    } else if (pending) {
      pending = false;
      // Queued now, so pg sends it right before this statement; a failure of it fails that one too.
      query.call(client, 'begin').catch(() => {});
    }
    return query.apply(client, args);
  } as Query;
  return () => {
    pending = false;
  };
}
