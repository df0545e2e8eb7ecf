// Idempotency-Key records of POST /orders are remembered for IDEMPOTENCY_KEY_TTL_HOURS, then the sweeper
// deletes them (in batches, safely from several replicas at once) and the same key is a new request.
// Old records are made by moving created_at back with SQL.
import { loadConfig } from '@mercato/kit';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { configSchema } from '../src/config.ts';
import { placementKeys } from '../src/persistence/idempotency.ts';
import { eventually, setup } from './helpers.ts';

type Setup = Awaited<ReturnType<typeof setup>>;

const keys = placementKeys();
const deleteExpiredIdempotencyKeys: typeof keys.deleteExpired = (orm, ttl, opts) =>
  keys.deleteExpired(orm, ttl, opts);

const card = { type: 'card' as const, token: 'tok_visa' };

/** The app's own sweeper waits an hour: the passes in a test are the ones it runs itself. */
const NO_AUTO_SWEEP = { ORDER_SWEEP_INTERVAL_MS: 3_600_000 };

async function fixture(s: Setup) {
  const p = await s.seedProduct({ price: { amount: '4.00', currency: 'EUR' } });
  const body = (quantity = 1) => ({
    lines: [{ productId: p.productId, quantity }],
    shippingAddressId: uuidv7(),
    paymentMethod: card,
  });
  const post = (key: string, payload: object) =>
    s.app.inject({
      method: 'POST',
      url: '/orders',
      headers: { ...s.bearer(s.customer.token), 'idempotency-key': key },
      payload,
    });
  const em = () => s.app.orm.em.fork();
  /** Moves the key's record `hours` into the past. */
  const age = async (key: string, hours: number) => {
    const rows = await em().execute(
      `update "${s.schema}".idempotency_key set created_at = now() - ? * interval '1 hour'
       where key = ? returning key`,
      [hours, key],
    );
    if (rows.length !== 1) throw new Error(`no record for ${key}`);
  };
  const stored = async (key: string) =>
    (await em().execute(`select 1 from "${s.schema}".idempotency_key where key = ?`, [key])).length === 1;
  const orderCount = async () =>
    (await em().execute(`select count(*)::int as n from "${s.schema}".orders`))[0].n as number;
  return { body, post, age, stored, orderCount };
}

t.test('IDEMPOTENCY_KEY_TTL_HOURS: an integer ≥ 1, 24 by default', async (t) => {
  const required = {
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
    AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
    REDIS_URL: 'redis://127.0.0.1:6379',
    JWKS_URL: 'http://identity:8080/auth/.well-known/jwks.json',
  };
  t.equal(loadConfig(configSchema, required).IDEMPOTENCY_KEY_TTL_HOURS, 24);
  t.equal(
    loadConfig(configSchema, { ...required, IDEMPOTENCY_KEY_TTL_HOURS: '1' }).IDEMPOTENCY_KEY_TTL_HOURS,
    1,
  );
  for (const bad of ['0', '-1', '1.5', 'a day'])
    t.throws(() => loadConfig(configSchema, { ...required, IDEMPOTENCY_KEY_TTL_HOURS: bad }), {
      name: 'ConfigError',
      message: /IDEMPOTENCY_KEY_TTL_HOURS/,
    });
});

t.test(
  'past the TTL a sweep forgets the key and it places a new order; within it the key replays',
  async (t) => {
    const s = await setup(t, NO_AUTO_SWEEP);
    const f = await fixture(s);
    const expiredKey = `old-${uuidv7()}`;
    const youngKey = `young-${uuidv7()}`;
    const oldBody = f.body(1);
    const youngBody = f.body(2);

    const first = await f.post(expiredKey, oldBody);
    t.equal(first.statusCode, 201, first.body);
    const young = await f.post(youngKey, youngBody);
    t.equal(young.statusCode, 201, young.body);
    await f.age(expiredKey, 25);
    await f.age(youngKey, 23);

    t.equal(await deleteExpiredIdempotencyKeys(s.app.orm, 24), 1, 'one sweep deletes the expired record');
    t.notOk(await f.stored(expiredKey), 'the record past the TTL is gone');
    t.ok(await f.stored(youngKey), 'the record within the TTL is kept');
    t.equal(await deleteExpiredIdempotencyKeys(s.app.orm, 24), 0, 'a second sweep finds nothing');

    // Within the TTL: unchanged — the same body replays, another body is refused.
    const replay = await f.post(youngKey, youngBody);
    t.equal(replay.statusCode, 201);
    t.equal(replay.headers['idempotent-replayed'], 'true');
    t.same(replay.json(), young.json(), 'the first answer, as it was');
    const reused = await f.post(youngKey, f.body(3));
    t.equal(reused.statusCode, 422, 'the same key with another body');

    // Past it: a new request, a new order.
    const ordersBefore = await f.orderCount();
    const again = await f.post(expiredKey, oldBody);
    t.equal(again.statusCode, 201, again.body);
    t.notOk(again.headers['idempotent-replayed'], 'not a replay');
    t.not(again.json().id, first.json().id, 'a new order');
    t.equal(await f.orderCount(), ordersBefore + 1);
    t.ok(await f.stored(expiredKey), 'the key is remembered again, for the new order');
    const replayOfNew = await f.post(expiredKey, oldBody);
    t.equal(replayOfNew.headers['idempotent-replayed'], 'true');
    t.equal(replayOfNew.json().id, again.json().id, 'and now replays the new order');
    t.equal(
      (await f.post(expiredKey, f.body(4))).statusCode,
      422,
      'another body under the renewed key: still refused',
    );
  },
);

t.test('the sweeper deletes with the configured TTL on its own schedule', async (t) => {
  const s = await setup(t, { IDEMPOTENCY_KEY_TTL_HOURS: 2, ORDER_SWEEP_INTERVAL_MS: 50 });
  const f = await fixture(s);
  const [expired, young] = [`old-${uuidv7()}`, `young-${uuidv7()}`];
  t.equal((await f.post(expired, f.body())).statusCode, 201);
  t.equal((await f.post(young, f.body())).statusCode, 201);
  await f.age(young, 1.5);
  await f.age(expired, 2.5);
  await eventually(async () => {
    if (await f.stored(expired)) throw new Error('not deleted yet');
  });
  // A few more passes: the younger record stays.
  await new Promise((r) => setTimeout(r, 300));
  t.ok(await f.stored(young), 'younger than IDEMPOTENCY_KEY_TTL_HOURS: kept');
});

t.test('a backlog goes in batches, and replicas sweeping at once delete each record once', async (t) => {
  const s = await setup(t, NO_AUTO_SWEEP);
  const em = s.app.orm.em.fork();
  t.same(
    await em.execute(
      `select indexdef from pg_indexes where schemaname = ? and indexname = 'idempotency_key_created_at_idx'`,
      [s.schema],
    ),
    [
      {
        indexdef: `CREATE INDEX idempotency_key_created_at_idx ON ${s.schema}.idempotency_key USING btree (created_at)`,
      },
    ],
    'the sweep finds expired records through an index on created_at',
  );
  const insert = (n: number, hours: number, prefix: string) =>
    em.execute(
      `insert into "${s.schema}".idempotency_key (user_id, key, fingerprint, status_code, response, created_at)
       select ?::uuid, ? || i, 'f', 201, '{}'::jsonb, now() - ? * interval '1 hour'
       from generate_series(1, ?) as i`,
      [s.customer.id, prefix, hours, n],
    );
  await insert(2500, 30, 'old-');
  await insert(40, 20, 'young-');
  const count = async (prefix: string) =>
    (
      await em.execute(`select count(*)::int as n from "${s.schema}".idempotency_key where key like ?`, [
        `${prefix}%`,
      ])
    )[0].n as number;

  t.equal(
    await deleteExpiredIdempotencyKeys(s.app.orm, 24, { batchSize: 1000, maxBatches: 2 }),
    2000,
    'at most maxBatches batches in one call',
  );
  t.equal(await count('old-'), 500);
  await insert(2500, 30, 'older-');
  const deleted = await Promise.all(
    [1, 2, 3].map(() => deleteExpiredIdempotencyKeys(s.app.orm, 24, { batchSize: 100 })),
  );
  t.equal(
    deleted.reduce((a, b) => a + b, 0),
    3000,
    'three sweeps at once: every expired record deleted exactly once',
  );
  t.equal((await count('old-')) + (await count('older-')), 0, 'none left');
  t.equal(await count('young-'), 40, 'the younger ones all kept');
});
