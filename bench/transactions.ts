// What a consumed event's transaction costs, without the broker: `em.transactional` with the inbox
// claim and one insert (a handler's smallest effect), BENCH_TX (5,000) times, BENCH_CONCURRENCY (8) at
// once, through @mercato/db's createOrm and @mercato/messaging's claimInbox as the services use them.
// Prints transactions/s and CPU per transaction of this process and of PostgreSQL (every postgres
// process: run it on a quiet machine). Round trips per transaction: what the driver sent.
// To compare two checkouts, copy this file into the other one's bench/ and run it there.
import { createOrm } from '@mercato/db';
import { claimInbox, messagingEntities, messagingMigrations } from '@mercato/messaging';
import { recordStatements, TEST_DATABASE_URL } from '@mercato/testing';
import { Migration } from '@mikro-orm/migrations';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { infraCpuSeconds } from './lib/measure.ts';

const TX = Number(process.env.BENCH_TX ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

class CreateNote extends Migration {
  override async up() {
    this.addSql('create table note (id uuid primary key, text text not null)');
  }
}

// Counts what reaches the server (patched before the ORM's clients exist).
const statements = recordStatements(
  () => {},
  () => 'any',
);

const schema = `bench_tx_${process.pid}`;
const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
await admin.connect();
await admin.query(`create schema ${schema}`);
const orm = await createOrm({
  url: TEST_DATABASE_URL,
  schema,
  entities: [...messagingEntities],
  migrations: [...messagingMigrations, { name: 'Migration20261204000001_note', class: CreateNote }],
  poolMax: CONCURRENCY,
});

const oneTransaction = () =>
  orm.em.fork().transactional(async (em) => {
    const id = uuidv7();
    if (!(await claimInbox(em, 'bench.consumer', id))) throw new Error('duplicate');
    await em.execute(`insert into note (id, text) values (?, ?)`, [id, 'a note']);
  });

try {
  for (let i = 0; i < 200; i++) await oneTransaction(); // warm-up
  console.log(`bench:transactions — ${TX} transactions (inbox claim + one insert), ${CONCURRENCY} at once`);
  for (let round = 1; round <= ROUNDS; round++) {
    statements.start();
    const cpu0 = process.cpuUsage();
    const pg0 = infraCpuSeconds().get('postgres')!;
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < TX) await oneTransaction();
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const pgCpu = infraCpuSeconds().get('postgres')! - pg0;
    const perTx = (ms: number) => ((ms / TX) * 1000).toFixed(1);
    console.log(
      `round ${round}: ${(TX / secs).toFixed(0)} transactions/s; CPU per transaction: this process ${perTx((cpu.user + cpu.system) / 1000)} µs, PostgreSQL ${perTx(pgCpu * 1000)} µs; ${(statements.stop().length / TX).toFixed(2)} round trips each`,
    );
  }
} finally {
  statements.restore();
  await orm.close(true);
  await admin.query(`drop schema ${schema} cascade`);
  await admin.end();
}
