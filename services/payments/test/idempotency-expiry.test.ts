// Idempotency-Key records of POST /payments are remembered for IDEMPOTENCY_KEY_TTL_HOURS, then a periodic
// job deletes them and the same key is a new request (a new attempt). Old records are made by moving
// created_at back with SQL. The provider is faked with nock.
import type { StockReserved } from '@mercato/contracts';
import { createOrm } from '@mercato/db';
import { loadConfig } from '@mercato/kit';
import { eventually, TEST_DATABASE_URL } from '@mercato/testing';
import nock from 'nock';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { migrations } from '../migrations/index.ts';
import { configSchema } from '../src/config.ts';
import { entities } from '../src/persistence/entities.ts';
import { paymentKeys } from '../src/persistence/idempotency.ts';
import { PROVIDER, sleep, startPayments } from './helpers.ts';

t.before(() => nock.disableNetConnect());
t.teardown(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

type Svc = Awaited<ReturnType<typeof startPayments>>;

/** An order whose first charge was declined, as stock.reserved → payment.failed leaves it. */
async function failedOrder(svc: Svc, userId: string) {
  const data: StockReserved = {
    orderId: uuidv7(),
    userId,
    revision: 1,
    lines: [{ productId: uuidv7(), quantity: 1 }],
    total: { amount: '12.00', currency: 'EUR' },
    paymentMethod: { type: 'card', token: 'tok_chargeDeclined' },
  };
  nock(PROVIDER).post('/v1/charges').reply(402, { error: 'card_declined' });
  await svc.publish(svc.event('stock.reserved', data, data.orderId));
  await svc.events.waitFor('payment.failed', data.orderId);
  return data.orderId;
}

/** Moves the key's record `hours` into the past. */
async function age(svc: Svc, key: string, hours: number) {
  const rows = await svc.query(
    `update idempotency_key set created_at = now() - $1 * interval '1 hour' where key = $2 returning key`,
    [hours, key],
  );
  if (rows.length !== 1) throw new Error(`no record for ${key}`);
}

/** Inserts `n` records `hours` old, keys `${prefix}1` … `${prefix}n`. */
const insertKeys = (svc: Svc) => (n: number, hours: number, prefix: string) =>
  svc.query(
    `insert into idempotency_key (user_id, key, fingerprint, resource_id, created_at)
     select $1::uuid, $2 || i, 'f', $1::uuid, now() - $3 * interval '1 hour' from generate_series(1, $4) as i`,
    [uuidv7(), prefix, hours, n],
  );

const countKeys = async (svc: Svc, prefix: string) =>
  (await svc.query('select count(*)::int as n from idempotency_key where key like $1', [`${prefix}%`]))[0]
    .n as number;

const stored = async (svc: Svc, key: string) =>
  (await svc.query('select 1 from idempotency_key where key = $1', [key])).length === 1;

t.test('IDEMPOTENCY_KEY_TTL_HOURS: an integer ≥ 1, 24 by default', async (t) => {
  const required = {
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
    AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
    REDIS_URL: 'redis://127.0.0.1:6379',
    JWKS_URL: 'http://identity:8080/auth/.well-known/jwks.json',
  };
  t.equal(loadConfig(configSchema, required).IDEMPOTENCY_KEY_TTL_HOURS, 24);
  t.equal(
    loadConfig(configSchema, { ...required, IDEMPOTENCY_KEY_TTL_HOURS: '72' }).IDEMPOTENCY_KEY_TTL_HOURS,
    72,
  );
  for (const bad of ['0', '-1', '1.5', 'a day'])
    t.throws(() => loadConfig(configSchema, { ...required, IDEMPOTENCY_KEY_TTL_HOURS: bad }), {
      name: 'ConfigError',
      message: /IDEMPOTENCY_KEY_TTL_HOURS/,
    });
});

t.test(
  'POST /payments: within the TTL the key replays; past it a sweep forgets it → a new attempt',
  async (t) => {
    // The app's own job waits an hour: the sweeps here are the only ones.
    const svc = await startPayments(t, {}, { idempotencySweepIntervalMs: 3_600_000 });
    // The sweeps run on an ORM of their own on the service's schema, as another replica's would.
    const orm = await createOrm({ url: TEST_DATABASE_URL, schema: svc.schema, entities, migrations });
    t.teardown(() => orm.close(true));
    const alice = uuidv7();
    const token = await svc.token(alice);
    const orderId = await failedOrder(svc, alice);
    const key = `retry-${uuidv7()}`;
    const pay = (cardToken = 'tok_chargeDeclined') =>
      svc.app.inject({
        method: 'POST',
        url: '/payments',
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': key },
        payload: { orderId, paymentMethod: { type: 'card', token: cardToken } },
      });

    nock(PROVIDER).post('/v1/charges').matchHeader('idempotency-key', `${orderId}:1:2`).reply(402, {
      error: 'card_declined',
    });
    const first = await pay();
    t.equal(first.statusCode, 201, first.body);
    t.match(first.json(), { attempt: 2, status: 'failed', failureReason: 'card_declined' });

    // 23 hours old: younger than the TTL (24), kept by a sweep, and it still replays.
    await age(svc, key, 23);
    t.equal(await paymentKeys.deleteExpired(orm, 24), 0, 'nothing past the TTL');
    t.ok(await stored(svc, key), 'kept');
    const replay = await pay();
    t.equal(replay.statusCode, 201);
    t.equal(replay.headers['idempotent-replayed'], 'true');
    t.equal(replay.json().id, first.json().id, 'the first attempt, not a new one');
    const reused = await pay('tok_other');
    t.equal(reused.statusCode, 422, 'the same key with another body');
    t.equal(
      (await svc.query('select count(*)::int as n from payment where order_id = $1', [orderId]))[0].n,
      2,
      'no attempt added within the TTL',
    );

    // 25 hours old: one sweep deletes it, and the same key is a new request — attempt 3.
    await age(svc, key, 25);
    t.equal(await paymentKeys.deleteExpired(orm, 24), 1, 'one sweep deletes the expired record');
    t.notOk(await stored(svc, key), 'forgotten');
    const charged = nock(PROVIDER)
      .post('/v1/charges')
      .matchHeader('idempotency-key', `${orderId}:1:3`)
      .reply(201, { id: 'ch_after_expiry', status: 'succeeded' });
    const again = await pay();
    t.equal(again.statusCode, 201, again.body);
    t.notOk(again.headers['idempotent-replayed'], 'not a replay');
    t.match(again.json(), { attempt: 3, status: 'succeeded', providerRef: 'ch_after_expiry' });
    t.not(again.json().id, first.json().id, 'a new attempt');
    t.ok(charged.isDone(), 'charged with the new attempt’s provider key');
    const replayOfNew = await pay();
    t.equal(replayOfNew.headers['idempotent-replayed'], 'true');
    t.equal(replayOfNew.json().id, again.json().id, 'the key now replays the new attempt');
  },
);

t.test('the app’s job deletes with the configured TTL, a backlog in batches', async (t) => {
  const svc = await startPayments(t, { IDEMPOTENCY_KEY_TTL_HOURS: '2' }, { idempotencySweepIntervalMs: 50 });
  const insert = insertKeys(svc);
  await insert(2500, 2.5, 'old-');
  await insert(30, 1.5, 'young-');
  await eventually(async () => {
    const n = await countKeys(svc, 'old-');
    if (n > 0) throw new Error(`${n} expired records left`);
  });
  await sleep(200);
  t.equal(await countKeys(svc, 'young-'), 30, 'younger than IDEMPOTENCY_KEY_TTL_HOURS: all kept');
});

t.test('replicas sweeping at once delete each record once; a stopped job runs no more', async (t) => {
  const svc = await startPayments(t, {}, { idempotencySweepIntervalMs: 3_600_000 });
  const orm = await createOrm({ url: TEST_DATABASE_URL, schema: svc.schema, entities, migrations });
  t.teardown(() => orm.close(true));
  t.same(
    await svc.query(
      `select indexdef from pg_indexes where schemaname = $1 and indexname = 'idempotency_key_created_at_idx'`,
      [svc.schema],
    ),
    [
      {
        indexdef: `CREATE INDEX idempotency_key_created_at_idx ON ${svc.schema}.idempotency_key USING btree (created_at)`,
      },
    ],
    'the sweep finds expired records through an index on created_at',
  );
  const insert = insertKeys(svc);
  await insert(2500, 30, 'old-');
  await insert(40, 20, 'young-');
  const deleted = await Promise.all(
    [1, 2, 3].map(() => paymentKeys.deleteExpired(orm, 24, { batchSize: 100 })),
  );
  t.equal(
    deleted.reduce((a, b) => a + b, 0),
    2500,
    'every expired record deleted exactly once',
  );
  t.equal(await countKeys(svc, 'old-'), 0, 'none left');
  t.equal(await countKeys(svc, 'young-'), 40, 'the younger ones all kept');
  t.equal(await paymentKeys.deleteExpired(orm, 24, { batchSize: 1000, maxBatches: 1 }), 0, 'nothing more');

  const problems: unknown[] = [];
  const logger = {
    info() {},
    warn: (o: unknown) => problems.push(o),
    error: (o: unknown) => problems.push(o),
  };
  const job = paymentKeys.startSweeper({ orm, logger, ttlHours: 24, intervalMs: 20 });
  await insert(5, 30, 'while-running-');
  await eventually(async () => {
    if ((await countKeys(svc, 'while-running-')) > 0) throw new Error('not deleted yet');
  });
  await job.stop();
  await insert(5, 30, 'after-stop-');
  await sleep(200);
  t.equal(await countKeys(svc, 'after-stop-'), 5, 'no pass after stop()');
  t.same(problems, [], 'no failed pass');
});
