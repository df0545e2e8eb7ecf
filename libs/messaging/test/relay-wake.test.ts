// An idle relay sleeps and is woken by commits: directly by a commit in this process, by NOTIFY from
// another; its slow safety poll finds whatever no signal announced (a writer that crashed between its
// commit and its signal, a notification sent while the listener was reconnecting).
import { eventually, recordStatements, TEST_AMQP_URL, TEST_DATABASE_URL } from '@mercato/testing';
import amqp from 'amqplib';
import pg from 'pg';
import t from 'tap';
import {
  addToOutbox,
  type Envelope,
  envelope,
  insertIntoOutbox,
  outboxChannel,
  outboxInsert,
  outboxStatementDone,
  startOutboxRelay,
} from '../src/index.ts';
import { Note, PING, setupBroker, setupOrm } from './helpers.ts';

/** A throw-away queue bound to everything on the exchange: when did each message id arrive. */
async function listen(t: Tap, exchange: string) {
  const conn = await amqp.connect(TEST_AMQP_URL);
  t.teardown(() => conn.close());
  const ch = await conn.createChannel();
  await ch.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  await ch.bindQueue(queue, exchange, '#');
  const arrived = new Map<string, number>();
  await ch.consume(queue, (m) => m && arrived.set(m.properties.messageId, performance.now()), {
    noAck: true,
  });
  /** ms from `since` until `id` arrived; fails after `timeoutMs`. */
  const after = (id: string, since: number, timeoutMs: number) =>
    eventually(
      async () => {
        const at = arrived.get(id);
        if (at === undefined) throw new Error(`${id} not received`);
        return at - since;
      },
      { timeoutMs, intervalMs: 5 },
    );
  return { after };
}
type Tap = { teardown(fn: () => unknown): void };

/**
 * Records what the relay's own connections send (a pool made after this call); `stop()` returns the
 * relay's statements only.
 */
function recordRelayStatements(t: Tap) {
  const statements = recordStatements(
    (fn) => t.teardown(fn),
    (params) => (params.application_name === 'outbox-relay' ? 'relay' : 'other'),
  );
  return {
    start: () => statements.start(),
    stop: () => statements.stop().filter((x) => x.by === 'relay'),
  };
}

async function admin(t: Tap) {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  t.teardown(() => client.end());
  return client;
}

/** A row written by another process's plain SQL, optionally with the NOTIFY such a writer sends. */
async function insertElsewhere(db: pg.Client, schema: string, event: Envelope, notify: boolean) {
  await db.query('begin');
  await db.query(`insert into "${schema}".outbox (id, type, payload) values ($1, $2, $3)`, [
    event.id,
    event.type,
    JSON.stringify(event),
  ]);
  if (notify) await db.query('select pg_notify($1, $2)', [outboxChannel(schema), '']);
  await db.query('commit');
  return performance.now();
}

const ping = (n: number) => envelope(PING, { n }, { source: 'test' });
const idle = () => new Promise((r) => setTimeout(r, 300));

t.test('a commit in this process wakes the relay at once, whichever way the row was written', async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  const received = await listen(t, broker.exchange);
  // The safety poll is far away: only a wake-up can explain a prompt publish.
  const relay = startOutboxRelay({ orm, broker, pollIntervalMs: 20_000 });
  t.teardown(() => relay.stop());
  await idle();

  const ways: [string, (e: Envelope) => Promise<unknown>][] = [
    ['a transaction (addToOutbox)', (e) => orm.em.fork().transactional(async (em) => addToOutbox(em, e))],
    [
      'a flush of the unit of work (addToOutbox, em.flush)',
      async (e) => {
        const em = orm.em.fork();
        em.persist(em.create(Note, { id: e.id, text: 'x' }));
        addToOutbox(em, e);
        await em.flush();
      },
    ],
    [
      'a transaction (insertIntoOutbox)',
      (e) => orm.em.fork().transactional((em) => insertIntoOutbox(em, [e])),
    ],
    ['one autocommit statement (insertIntoOutbox)', (e) => insertIntoOutbox(orm.em.fork(), [e])],
    [
      'one autocommit statement (outboxInsert in a CTE)',
      async (e) => {
        const em = orm.em.fork();
        const { sql, params } = outboxInsert(em, [e]);
        await em.execute(`with published as (${sql}) select 1`, params);
      },
    ],
    [
      'a nested transaction (savepoint)',
      (e) =>
        orm.em.fork().transactional(async (outer) => {
          await outer.transactional(async (inner) => addToOutbox(inner, e));
        }),
    ],
    [
      'a transaction that only wrote a note, then one with the event',
      async (e) => {
        await orm.em
          .fork()
          .transactional(async (em) => em.persist(em.create(Note, { id: `n-${e.id}`, text: 'y' })));
        await orm.em.fork().transactional(async (em) => addToOutbox(em, e));
      },
    ],
  ];
  let n = 0;
  for (const [how, write] of ways) {
    await idle();
    const e = ping(n++);
    await write(e);
    const ms = await received.after(e.id, performance.now(), 5000);
    t.ok(ms < 1000, `${how}: published ${ms.toFixed(1)} ms after its commit`);
  }

  const rolledBack = ping(99);
  await orm.em
    .fork()
    .transactional(async (em) => {
      addToOutbox(em, rolledBack);
      throw new Error('no');
    })
    .catch(() => {});
  const [row] = await orm.em
    .fork()
    .execute('select count(*)::int as n from outbox where id = ?', [rolledBack.id]);
  t.equal(row.n, 0, 'a rolled-back transaction left no row');
});

t.test(
  'an autocommit statement its writer says is done: the relay looks once, not for a second',
  async (t) => {
    const { orm } = await setupOrm(t);
    const broker = await setupBroker(t);
    const received = await listen(t, broker.exchange);
    const statements = recordRelayStatements(t);
    const relayStatements = () => statements.stop().length;
    const relay = startOutboxRelay({ orm, broker, pollIntervalMs: 20_000 });
    t.teardown(() => relay.stop());
    await idle();

    const writeInCte = async (e: Envelope, sayDone: boolean) => {
      const em = orm.em.fork();
      const { sql, params } = outboxInsert(em, [e]);
      await em.execute(`with published as (${sql}) select 1`, params);
      if (sayDone) outboxStatementDone(em, true);
      return performance.now();
    };
    const statementsOver = async (e: Envelope, sayDone: boolean) => {
      await idle();
      statements.start();
      const at = await writeInCte(e, sayDone);
      const ms = await received.after(e.id, at, 5000);
      await new Promise((r) => setTimeout(r, 1200)); // the follow-up window is one second
      return { ms, statements: relayStatements() };
    };
    const told = await statementsOver(ping(200), true);
    const untold = await statementsOver(ping(201), false);
    t.ok(told.ms < 1000, `told: published ${told.ms.toFixed(1)} ms after the statement`);
    t.ok(untold.ms < 1000, `not told: published ${untold.ms.toFixed(1)} ms after the statement (follow-ups)`);
    t.ok(
      told.statements < untold.statements,
      `told: ${told.statements} relay statements in the next 1.2 s; not told: ${untold.statements}`,
    );
    // A look is a claim and the publish's update (2–3 statements); at most one more look may run while
    // the statement does (the first follow-up, 2 ms after the announcement), and one after the publish.
    t.ok(told.statements <= 6, `told: no follow-ups after the publish (${told.statements} statements)`);
  },
);

t.test('rows committed in this process are claimed at once, without a look first', async (t) => {
  const { orm } = await setupOrm(t);
  const broker = await setupBroker(t);
  const received = await listen(t, broker.exchange);
  const statements = recordRelayStatements(t);
  const relay = startOutboxRelay({ orm, broker, pollIntervalMs: 20_000 });
  t.teardown(() => relay.stop());
  await idle();
  await new Promise((r) => setTimeout(r, 1200)); // past the start-up's looks

  const e = ping(300);
  statements.start();
  await orm.em.fork().transactional(async (em) => addToOutbox(em, e));
  await received.after(e.id, performance.now(), 5000);
  await new Promise((r) => setTimeout(r, 300));
  const sent = statements.stop().map((x) => x.sql);
  // Before: the idle relay's look (`select 1 … limit 1`), then the claim, then the mark.
  t.same(
    sent.map((q) => (q.startsWith('begin; select') ? 'claim' : q.startsWith('update') ? 'mark' : q)),
    ['claim', 'mark'],
    `the claim and the mark, no look: ${sent.length} statements`,
  );
});

t.test('an idle relay sends nothing between its safety polls', async (t) => {
  const { orm, schema } = await setupOrm(t);
  const broker = await setupBroker(t);
  const relay = startOutboxRelay({ orm, broker, pollIntervalMs: 20_000 });
  t.teardown(() => relay.stop());
  const db = await admin(t);
  const relayBackends = async () =>
    (
      await db.query<{ pid: number; query_start: Date; application_name: string }>(
        `select pid, query_start, application_name from pg_stat_activity
          where application_name like 'outbox-relay%' and query like $1`,
        [`%${schema}%`],
      )
    ).rows;
  const key = (rows: { pid: number; query_start: Date }[]) =>
    JSON.stringify(rows.map((r) => [r.pid, r.query_start.getTime()]).sort());
  // Start the quiet window once the relay's start-up (connect, LISTEN, its first look) is over: two
  // readings half a second apart that agree and show both connections.
  let before: Awaited<ReturnType<typeof relayBackends>> = [];
  await eventually(async () => {
    const first = await relayBackends();
    await new Promise((r) => setTimeout(r, 500));
    before = await relayBackends();
    const names = before.map((r) => r.application_name);
    if (
      !names.includes('outbox-relay-listener') ||
      !names.includes('outbox-relay') ||
      key(first) !== key(before)
    )
      throw new Error(`relay still starting: ${names.join()}`);
  });
  await new Promise((r) => setTimeout(r, 2000));
  const afterwards = await relayBackends();
  t.same(
    afterwards.map((r) => [r.pid, r.query_start.getTime()]).sort(),
    before.map((r) => [r.pid, r.query_start.getTime()]).sort(),
    'no statement in 2 s: the pool connection and the listener stayed quiet',
  );
  t.equal(
    before.filter((r) => r.application_name === 'outbox-relay-listener').length,
    1,
    'one listening connection',
  );
});

t.test('a NOTIFY from another process wakes the relay', async (t) => {
  const { orm, schema } = await setupOrm(t);
  const broker = await setupBroker(t);
  const received = await listen(t, broker.exchange);
  const relay = startOutboxRelay({ orm, broker, pollIntervalMs: 20_000 });
  t.teardown(() => relay.stop());
  const db = await admin(t);
  await eventually(async () => {
    const { rowCount } = await db.query(
      `select 1 from pg_stat_activity where application_name = 'outbox-relay-listener' and query like $1`,
      [`%${outboxChannel(schema)}%`],
    );
    if (!rowCount) throw new Error('not listening yet');
  });
  await idle();
  for (let i = 0; i < 3; i++) {
    const e = ping(i);
    const committed = await insertElsewhere(db, schema, e, true);
    const ms = await received.after(e.id, committed, 5000);
    t.ok(ms < 1000, `published ${ms.toFixed(1)} ms after the other process's commit`);
    await idle();
  }
});

t.test('a row whose signal never came (a crash after the commit) goes out on the safety poll', async (t) => {
  const { orm, schema } = await setupOrm(t);
  const broker = await setupBroker(t);
  const received = await listen(t, broker.exchange);
  const relay = startOutboxRelay({ orm, broker, pollIntervalMs: 1000 });
  t.teardown(() => relay.stop());
  const db = await admin(t);
  await idle();
  const e = ping(1);
  const committed = await insertElsewhere(db, schema, e, false);
  const ms = await received.after(e.id, committed, 5000);
  t.ok(ms <= 1500, `published ${ms.toFixed(0)} ms after its commit, without any signal`);
});

t.test('a listener whose connection is killed comes back; what it missed is found meanwhile', async (t) => {
  const { orm, schema } = await setupOrm(t);
  const broker = await setupBroker(t);
  const received = await listen(t, broker.exchange);
  const relay = startOutboxRelay({ orm, broker, pollIntervalMs: 3000 });
  t.teardown(() => relay.stop());
  const db = await admin(t);
  const listenerPid = async () => {
    const { rows } = await db.query<{ pid: number }>(
      `select pid from pg_stat_activity where application_name = 'outbox-relay-listener' and query like $1`,
      [`%${outboxChannel(schema)}%`],
    );
    return rows[0]?.pid;
  };
  const first = await eventually(
    async () => (await listenerPid()) ?? Promise.reject(new Error('no listener')),
  );
  await db.query('select pg_terminate_backend($1)', [first]);
  // Sent while nobody listens: the notification is lost.
  const missed = ping(1);
  const committed = await insertElsewhere(db, schema, missed, true);
  const ms = await received.after(missed.id, committed, 10_000);
  t.ok(ms < 3000 + 1000, `the missed row went out ${ms.toFixed(0)} ms after its commit`);

  const second = await eventually(async () => {
    const pid = await listenerPid();
    if (pid === undefined || pid === first) throw new Error('not listening again yet');
    return pid;
  });
  t.not(second, first, 'a new listening connection');
  await idle();
  for (let i = 0; i < 3; i++) {
    const e = ping(10 + i);
    const at = await insertElsewhere(db, schema, e, true);
    const wake = await received.after(e.id, at, 5000);
    t.ok(wake < 1000, `after the reconnect a NOTIFY wakes it again: ${wake.toFixed(1)} ms`);
    await idle();
  }
});
