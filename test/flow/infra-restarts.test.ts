// Real infrastructure restarts under a stream of orders. The whole system runs on a PostgreSQL server,
// a RabbitMQ node and a Redis server that this file starts for itself on other ports (the shared
// servers are never touched), every service as a child process behind the gateway. While orders flow
// at 12 a second, one after the other:
//   (a) the RabbitMQ node is stopped and booted again,
//   (b) the PostgreSQL server shuts down (fast: connections are terminated), stays down ~6 s, starts,
//   (c) Redis is killed, stays down ~10 s and comes back empty (no persistence).
// After each: every accepted order (201) ends CONFIRMED (declined cards: CANCELLED), every confirmed
// order has exactly one successful payment and one invoice, no cancelled order is charged or
// invoiced, invoice numbers are gapless, dead-letter queues are empty, and no service process died.
// Refusals during an outage are acceptable as 503 only.
// INFRA_LOG_DIR=<dir> keeps every service's log there (info level) for a post-mortem.
import { mkdirSync } from 'node:fs';
import {
  eventually,
  type PrivateRabbitMQ,
  startPrivatePostgres,
  startPrivateRabbitMQ,
  startPrivateRedis,
} from '@mercato/testing';
import amqp from 'amqplib';
import pg from 'pg';
import t, { type Test } from 'tap';
import { DECLINED_CARD, openShop, type SentOrder, streamOrders } from '../support/order-stream.ts';
import { startSystem } from '../support/system.ts';

const ORDERS_PER_SECOND = 12;
const BEFORE_FAULT_MS = 3_000;
const AFTER_RECOVERY_MS = 5_000;
const SETTLE_TIMEOUT_MS = 120_000;

// About 3 minutes on a quiet machine (start-up of eight processes included); the budget leaves room
// for a loaded one, where starting the services alone has taken over 2 minutes.
t.setTimeout(600_000);

const logDir = process.env.INFRA_LOG_DIR;
if (logDir) mkdirSync(logDir, { recursive: true });

const [db, broker, redis] = await Promise.all([
  startPrivatePostgres(),
  startPrivateRabbitMQ(),
  startPrivateRedis(),
]);
const stopInfra = async () => {
  await Promise.all([db.stop(), broker.stop(), redis.stop()]);
};
const system = await startSystem({
  childProcesses: 'all',
  parallelStart: true,
  databaseUrl: db.url,
  amqpUrl: broker.url,
  redisUrl: redis.url,
  logDir,
  logLevel: logDir ? 'info' : 'silent',
}).catch(async (err) => {
  await stopInfra();
  throw err;
});
const stopAll = async () => {
  await system.stop();
  await stopInfra();
};
const shop = await openShop(system, 100_000).catch(async (err) => {
  await stopAll();
  throw err;
});
t.teardown(stopAll);

interface Outcome {
  /** From the start of the fault until the server accepted connections again (printed, not asserted). */
  faultMs: number;
  sent: number;
  accepted: number;
  refused: Record<string, number>;
  confirmed: number;
  cancelled: number;
}

/** Orders stream before, during and after `fault`; then the invariants are checked. */
async function underFault(t: Test, fault: () => Promise<void>): Promise<Outcome> {
  const stream = streamOrders(shop, ORDERS_PER_SECOND);
  await new Promise((r) => setTimeout(r, BEFORE_FAULT_MS));
  const faultStarted = Date.now();
  await fault();
  const faultMs = Date.now() - faultStarted;
  await new Promise((r) => setTimeout(r, AFTER_RECOVERY_MS));
  const sent = await stream.stop();

  const accepted = sent.filter((o): o is SentOrder & { id: string } => o.status === 201 && !!o.id);
  const refused: Record<string, number> = {};
  for (const o of sent) if (o.status !== 201) refused[o.status] = (refused[o.status] ?? 0) + 1;
  t.ok(
    Object.keys(refused).every((s) => s === '503'),
    `refusals are 503 only: ${JSON.stringify(refused)}`,
  );

  const finals = await settled(accepted.map((o) => o.id));
  const wrong = accepted.filter(
    (o) => finals.get(o.id) !== (o.card === DECLINED_CARD ? 'CANCELLED' : 'CONFIRMED'),
  );
  t.same(
    wrong.map((o) => `${o.id} ${o.card} ${finals.get(o.id)}`),
    [],
    `every accepted order ends CONFIRMED (declined card: CANCELLED); ${accepted.length} accepted`,
  );
  await checkLedgers(t);
  await checkDeadLetters(t, broker, system.exchange);

  const exited = system.takeExitedServices();
  t.same(
    exited.map((e) => `${e.name} exited (code ${e.code}, signal ${e.signal}): ${e.stderr.slice(-600)}`),
    [],
    'no service process exited',
  );
  // A dead service would fail every later scenario too: bring it back so they test their own fault.
  for (const e of exited) await system.startService(e.name);

  return {
    faultMs,
    sent: sent.length,
    accepted: accepted.length,
    refused,
    confirmed: accepted.filter((o) => finals.get(o.id) === 'CONFIRMED').length,
    cancelled: accepted.filter((o) => finals.get(o.id) === 'CANCELLED').length,
  };
}

async function query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Waits until every order is CONFIRMED or CANCELLED; returns id → final status (what stands then). */
async function settled(ids: string[]): Promise<Map<string, string>> {
  const read = async () =>
    new Map(
      (
        await query<{ id: string; status: string }>(
          `select id, status from "${system.schemas.orders}".orders where id = any($1::uuid[])`,
          [ids],
        )
      ).map((r) => [r.id, r.status]),
    );
  try {
    return await eventually(
      async () => {
        const now = await read();
        const open = ids.filter((id) => !['CONFIRMED', 'CANCELLED'].includes(now.get(id) ?? ''));
        if (open.length) throw new Error(`${open.length} orders not settled`);
        return now;
      },
      { timeoutMs: SETTLE_TIMEOUT_MS, intervalMs: 500 },
    );
  } catch {
    return read(); // the assertion that follows names the orders that did not settle
  }
}

/**
 * Over every order the system has ever taken (refused requests may have created one too): confirmed →
 * one successful payment and one invoice; cancelled → neither; invoice numbers gapless per year.
 */
async function checkLedgers(t: Test) {
  const { orders, payments, invoices } = system.schemas;
  // Invoices follow the payment on their own queue: give the last ones time to be issued.
  const rows = await eventually(
    async () => {
      const found = await query<{ id: string; status: string; paid: number; invoiced: number }>(
        `select o.id, o.status,
           (select count(*)::int from "${payments}".payment p where p.order_id = o.id and p.status = 'succeeded') as paid,
           (select count(*)::int from "${invoices}".invoice i where i.order_id = o.id) as invoiced
         from "${orders}".orders o`,
      );
      if (found.some((r) => r.status === 'CONFIRMED' && r.invoiced === 0))
        throw new Error('confirmed orders without an invoice yet');
      return found;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  ).catch((err) => {
    t.fail(String(err));
    return [];
  });
  const confirmed = rows.filter((r) => r.status === 'CONFIRMED');
  t.same(
    confirmed.filter((r) => r.paid !== 1 || r.invoiced !== 1),
    [],
    `each of ${confirmed.length} confirmed orders has one successful payment and one invoice`,
  );
  t.same(
    rows.filter((r) => r.status === 'CANCELLED' && (r.paid !== 0 || r.invoiced !== 0)),
    [],
    'no cancelled order is charged or invoiced',
  );
  const numbers = await query<{ year: number; numbers: number[] }>(
    `select year, array_agg(number order by number) as numbers from "${invoices}".invoice group by year`,
  );
  for (const { year, numbers: n } of numbers) {
    t.same(
      n,
      Array.from({ length: n.length }, (_, i) => i + 1),
      `invoice numbers of ${year} are 1..${n.length}, gapless`,
    );
  }
}

async function checkDeadLetters(t: Test, broker: PrivateRabbitMQ, exchange: string) {
  const dlqs = (await broker.queues())
    .map((q) => q.name)
    .filter((n) => n.startsWith(`${exchange}.`) && n.endsWith('.dlq'));
  t.ok(dlqs.length > 0, `${dlqs.length} dead-letter queues found`);
  const conn = await amqp.connect(broker.url);
  try {
    const ch = await conn.createChannel();
    const counts: Record<string, number> = {};
    for (const q of dlqs) counts[q] = (await ch.checkQueue(q)).messageCount;
    t.same(
      Object.entries(counts).filter(([, n]) => n > 0),
      [],
      'dead-letter queues are empty',
    );
  } finally {
    await conn.close();
  }
}

function report(t: Test, scenario: string, o: Outcome) {
  const line =
    `${scenario} (unavailable ${(o.faultMs / 1000).toFixed(1)} s): sent ${o.sent}, accepted ${o.accepted}, refused ${o.sent - o.accepted} ` +
    `${JSON.stringify(o.refused)}, confirmed ${o.confirmed}, cancelled (declined cards) ${o.cancelled}`;
  t.comment(line);
}

t.test('(a) the RabbitMQ node restarts', async (t) => {
  const o = await underFault(t, () => broker.restart({ downMs: 3_000 }));
  report(t, 'RabbitMQ node restart', o);
});

t.test('(b) the PostgreSQL server restarts (down ~6 s)', async (t) => {
  const o = await underFault(t, () => db.restart({ downMs: 6_000 }));
  report(t, 'PostgreSQL restart', o);
});

t.test('(c) Redis is lost for ~10 s and comes back empty', async (t) => {
  const o = await underFault(t, () => redis.restart({ kill: true, downMs: 10_000 }));
  report(t, 'Redis loss', o);
});
