// The relay holds a database connection inside its transaction while it waits for the broker's
// confirms. If the server ends that connection then (a PostgreSQL restart or failover), the relay
// logs it, the batch rolls back and is sent again: the process must not die of the connection's
// 'error' event (pg-pool listens on idle connections only), and no row is lost.
import { eventually, TEST_DATABASE_URL } from '@mercato/testing';
import pg from 'pg';
import t from 'tap';
import type { Broker, OutgoingMessage } from '../src/broker.ts';
import { envelope, insertIntoOutbox, startOutboxRelay } from '../src/index.ts';
import { PING, setupOrm } from './helpers.ts';

t.test('a relay whose connection is cut while it waits for confirms sends the batch again', async (t) => {
  const { orm, schema } = await setupOrm(t);
  const event = envelope(PING, { n: 1 }, { source: 'test' });
  await orm.em.fork().transactional((em) => insertIntoOutbox(em, [event]));

  // A broker whose first publish waits until the test lets it go: the relay's transaction (rows
  // locked, not yet marked sent) stays open meanwhile.
  const published: string[] = [];
  let holding = false;
  let letGo = () => {};
  const held = new Promise<void>((resolve) => {
    letGo = resolve;
  });
  const broker = {
    connected: true,
    async onConnected() {
      return () => {};
    },
    async publishConfirmed(messages: OutgoingMessage[]) {
      if (!holding) {
        holding = true;
        await held;
      }
      published.push(...messages.map((m) => String(m.options?.messageId)));
    },
  } as unknown as Broker;
  const relay = startOutboxRelay({ orm, broker, pollIntervalMs: 20 });
  t.teardown(() => relay.stop());

  await eventually(async () => {
    if (!holding) throw new Error('the relay has not published yet');
  });
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  t.teardown(() => admin.end());
  // The relay's connection: the one whose transaction selected from this test's own outbox. Only
  // that session is terminated; the shared server stays up.
  const { rows } = await admin.query(
    `select pid from pg_stat_activity where state = 'idle in transaction' and query like $1`,
    [`%"${schema}".outbox%`],
  );
  t.equal(rows.length, 1, "the relay's transaction is open");
  await admin.query('select pg_terminate_backend($1)', [rows[0].pid]);
  await eventually(async () => {
    const left = await admin.query('select 1 from pg_stat_activity where pid = $1', [rows[0].pid]);
    if (left.rowCount) throw new Error('still there');
  });
  letGo();

  await eventually(async () => {
    const [row] = await orm.em
      .fork()
      .execute<{ sent_at: Date | null }[]>('select sent_at from outbox where id = ?', [event.id]);
    if (!row?.sent_at) throw new Error('not sent yet');
  });
  t.ok(published.length >= 2, 'the batch whose transaction was cut was published again');
  t.ok(
    published.every((id) => id === event.id),
    'the same row both times',
  );
});
