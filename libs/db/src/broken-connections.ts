// When PostgreSQL goes away (a restart, a failover) every open connection dies. A connection that
// was checked out of the pool at that moment — a transaction in progress — must go back to the pool
// (which then discards it), or the pool keeps counting it forever: Kysely, under MikroORM, releases
// a transaction's connection only after a successful COMMIT or ROLLBACK, and neither can succeed on
// a dead connection. Each outage would then leak the connections of the transactions it cut short,
// until the pool is exhausted and the service hangs on every query, and `orm.close()` (which waits
// for every connection to come back) never returns, so shutdown hangs too.
import type pg from 'pg';

/**
 * Releases a checked-out client of `pool` (with its error, so the pool ends and forgets it) as soon
 * as the client reports that its connection failed. The holder's own later release becomes a no-op;
 * its statements fail anyway ("Client has encountered a connection error and is not queryable").
 * Idle clients are left to pg-pool, which removes them itself.
 */
export function releaseBrokenClients(pool: pg.Pool): void {
  const checkedOut = new Set<pg.PoolClient>();
  pool.on('acquire', (client) => checkedOut.add(client));
  pool.on('release', (_err, client) => checkedOut.delete(client));
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      if (!checkedOut.has(client)) return;
      checkedOut.delete(client);
      const release = client.release;
      client.release = () => {};
      release.call(client, err);
    });
  });
}
