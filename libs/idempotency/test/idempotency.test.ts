// The Idempotency-Key mechanism against the real PostgreSQL: fingerprint, replay, mismatch, the race
// of two concurrent requests with one key, and expiry. The tables are the two layouts services use:
// the library's own migration (status code + body) and a resource-id table as payments keeps.
import { createHash } from 'node:crypto';
import { createOrm, type MikroORM } from '@mercato/db';
import { HttpProblem, problems } from '@mercato/kit';
import { isolatedSchema, TEST_DATABASE_URL } from '@mercato/testing';
import { defineEntity, p } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import {
  fingerprint,
  type IdempotentRequest,
  idempotency,
  idempotencyMigration,
  idempotentRequest,
  isUniqueViolation,
  storedResource,
  storedResponse,
} from '../src/index.ts';

const ThingSchema = defineEntity({
  name: 'Thing',
  properties: { id: p.uuid().primary(), label: p.string().columnType('text') },
});

class Things extends Migration {
  override async up() {
    this.addSql('create table thing (id uuid primary key, label text not null)');
    // payments' layout: the id of what the first request created
    this.addSql(`create table resource_key (
      user_id uuid not null, key text not null, fingerprint text not null, resource_id uuid not null,
      created_at timestamptz not null default now(), primary key (user_id, key))`);
  }
}

async function orm(t: { teardown(fn: () => unknown): void }): Promise<{ orm: MikroORM; schema: string }> {
  const schema = await isolatedSchema(t, 't_idem');
  const o = await createOrm({
    url: TEST_DATABASE_URL,
    schema,
    entities: [ThingSchema],
    migrations: [idempotencyMigration, { name: 'Migration20260101000002_things', class: Things }],
  });
  t.teardown(() => o.close(true));
  return { orm: o, schema };
}

type View = { id: string; label: string };
const responses = idempotency({ answer: storedResponse<View>() });
const resources = idempotency({ answer: storedResource, table: 'resource_key' });
const req = (userId: string, key: string, body: unknown): IdempotentRequest => ({
  userId,
  key,
  fingerprint: fingerprint(body),
});

t.test('fingerprint: canonical JSON, unordered arrays as an option', async (t) => {
  const a = { b: 1, a: { y: [1, 2], x: 'z' } };
  const b = { a: { x: 'z', y: [1, 2] }, b: 1 };
  t.equal(fingerprint(a), fingerprint(b), 'key order does not matter, at any depth');
  t.not(fingerprint(a), fingerprint({ ...a, a: { x: 'z', y: [2, 1] } }), 'array order does by default');
  t.match(fingerprint(a), /^[0-9a-f]{64}$/, 'a sha-256 in hex');
  // payments' form: a tuple hashed as given (the same hash as its previous hand-written one)
  const tuple = ['pay', 'o1', 'card', 'tok'];
  t.equal(fingerprint(tuple), createHash('sha256').update(JSON.stringify(tuple)).digest('hex'));

  const order = {
    lines: [
      { productId: 'p1', quantity: 1 },
      { quantity: 2, productId: 'p2' },
    ],
    shippingAddressId: 's',
  };
  const reordered = { shippingAddressId: 's', lines: [{ productId: 'p2', quantity: 2 }, order.lines[0]] };
  const opts = { unordered: ['lines'] };
  t.equal(fingerprint(order, opts), fingerprint(reordered, opts), 'lines as a set');
  t.not(fingerprint(order), fingerprint(reordered), 'without the option the order counts');
  t.not(
    fingerprint(order, opts),
    fingerprint({ ...order, lines: [{ productId: 'p1', quantity: 3 }, order.lines[1]] }, opts),
    'a different line is a different request',
  );
  // The hash orders stored before this library: records of the previous release keep matching.
  const legacy = createHash('sha256')
    .update(
      JSON.stringify({
        lines: ['{"productId":"p1","quantity":1}', '{"productId":"p2","quantity":2}'],
        shippingAddressId: 's',
      }),
    )
    .digest('hex');
  t.equal(fingerprint(reordered, opts), legacy);

  t.equal(
    idempotentRequest('u', undefined, () => t.fail('not computed') as never),
    undefined,
  );
  t.same(
    idempotentRequest('u', 'k', () => 'f'),
    { userId: 'u', key: 'k', fingerprint: 'f' },
  );
});

t.test('the first answer is replayed, per user; another request under the key is refused', async (t) => {
  const { orm: db, schema } = await orm(t);
  const em = db.em.fork();
  const user = uuidv7();
  const body = { label: 'a' };
  const r = req(user, 'k1', body);
  t.equal(await responses.lookup(em, r), undefined, 'a new key');
  const view = { id: uuidv7(), label: 'a' };
  await responses.insert(em, r, { statusCode: 201, body: view });
  t.same(await responses.lookup(em, r), { statusCode: 201, body: view }, 'status and body as stored');
  t.equal(
    await responses.lookup(em, req(uuidv7(), 'k1', body)),
    undefined,
    "another user's key is another key",
  );

  const other = req(user, 'k1', { label: 'b' });
  const err = await responses.lookup(em, other).catch((e) => e);
  t.ok(err instanceof HttpProblem);
  t.match(err, {
    status: 422,
    type: 'https://mercato.dev/problems/unprocessable',
    detail: 'This Idempotency-Key was already used with a different request',
    extensions: { idempotencyKey: 'k1' },
  });
  const strict = idempotency({
    answer: storedResponse(),
    mismatch: (key) => problems.conflict(`key ${key} was used for another request`),
  });
  t.match(await strict.lookup(em, other).catch((e) => e), { status: 409 }, 'the mismatch is configurable');

  const [row] = await em.execute(
    `select count(*)::int as n, bool_and(created_at > now() - interval '1 minute') as recent
     from "${schema}".idempotency_key where key = 'k1'`,
  );
  t.same(row, { n: 1, recent: true }, 'one record, stamped now');
});

t.test('execute: runs once, replays after; without a key it just runs', async (t) => {
  const { orm: db } = await orm(t);
  let runs = 0;
  const create = (r: IdempotentRequest | undefined) =>
    resources.execute(db.em.fork(), r, (remember) =>
      db.em.fork().transactional(async (em) => {
        runs++;
        const id = uuidv7();
        await em.execute('insert into thing (id, label) values (?, ?)', [id, 'x']);
        await remember(em, { resourceId: id });
        return id;
      }),
    );
  const r = req(uuidv7(), 'pay-1', ['pay', 'o1']);
  const first = await create(r);
  t.equal(first.replayed, false);
  const again = await create(r);
  t.same(again, { replayed: true, answer: { resourceId: first.replayed ? '' : first.result } });
  t.equal(runs, 1);
  t.equal((await create(undefined)).replayed, false);
  t.equal((await create(undefined)).replayed, false);
  t.equal(runs, 3, 'no key: every request runs');
  t.match(await create({ ...r, fingerprint: 'other' }).catch((e) => e), { status: 422 });

  // A failure rolls the record back with the state change: the key can be used again.
  const r2 = req(r.userId, 'pay-2', ['pay', 'o2']);
  const refused = await resources
    .execute(db.em.fork(), r2, (remember) =>
      db.em.fork().transactional(async (em) => {
        await remember(em, { resourceId: uuidv7() });
        throw problems.conflict('refused');
      }),
    )
    .catch((e) => e);
  t.match(refused, { status: 409 });
  t.equal(await resources.lookup(db.em.fork(), r2), undefined, 'a refused request stores nothing');
});

t.test('two concurrent requests with one key: one runs, the other answers like it', async (t) => {
  const { orm: db, schema } = await orm(t);
  const r = req(uuidv7(), 'race', ['pay', 'o1']);
  let runs = 0;
  const create = () =>
    resources.execute(db.em.fork(), r, (remember) =>
      db.em.fork().transactional(async (em) => {
        runs++;
        const id = uuidv7();
        await em.execute('insert into thing (id, label) values (?, ?)', [id, 'race']);
        await remember(em, { resourceId: id });
        // Both passed the lookup before either commits: the second INSERT waits, then fails.
        await new Promise((resolve) => setTimeout(resolve, 150));
        return id;
      }),
    );
  const [a, b] = await Promise.all([create(), create()]);
  t.equal(runs, 2, 'both started');
  const winner = [a, b].find((o) => !o.replayed);
  const loser = [a, b].find((o) => o.replayed);
  t.ok(winner && loser, 'one ran, one replayed');
  if (winner && !winner.replayed && loser?.replayed) t.equal(loser.answer.resourceId, winner.result);
  const [{ n }] = await db.em.fork().execute(`select count(*)::int as n from "${schema}".thing`);
  t.equal(n, 1, "the loser's work rolled back");
});

t.test("the fragment writes the record in the caller's single statement; its race too", async (t) => {
  const { orm: db, schema } = await orm(t);
  const user = uuidv7();
  const place = async (key: string, label: string) => {
    const em = db.em.fork();
    const r = req(user, key, { label });
    const previous = await responses.lookup(em, r);
    if (previous) return { replayed: true, answer: previous };
    const view = { id: uuidv7(), label };
    const record = responses.insertFragment(em, r, { statusCode: 201, body: view }, new Date());
    try {
      // One statement: the state change and the record (as orders' placement).
      await em.execute(
        `with thing as (insert into "${schema}".thing (id, label) values (?, ?)), slow as (select pg_sleep(0.15))
         ${record.sql.replace('values (', 'select ').replace(/\)$/, ' from slow')}`,
        [view.id, label, ...record.params],
      );
    } catch (err) {
      t.ok(isUniqueViolation(err), 'the duplicate fails with a unique violation');
      const winner = await responses.raceWinner(em, r, err);
      if (!winner) throw err;
      return { replayed: true, answer: winner };
    }
    return { replayed: false, answer: { statusCode: 201, body: view } };
  };
  const [a, b] = await Promise.all([place('k', 'x'), place('k', 'x')]);
  t.same(a.answer, b.answer, 'the same answer');
  t.same([a.replayed, b.replayed].sort(), [false, true]);
  const [{ n }] = await db.em.fork().execute(`select count(*)::int as n from "${schema}".thing`);
  t.equal(n, 1, 'one thing');

  const frag = responses.insertFragment(db.em.fork(), req(user, 'k2', {}), {
    statusCode: 200,
    body: { id: 'x', label: 'y' },
  });
  t.match(
    frag.sql,
    new RegExp(
      `insert into "${schema}"."idempotency_key" \\(user_id, key, fingerprint, status_code, response, created_at\\)`,
    ),
  );
  t.equal(frag.params.length, 6);
  t.equal(
    await responses.raceWinner(db.em.fork(), req(user, 'k', { label: 'x' }), new Error('other')),
    undefined,
    'not a unique violation: nothing',
  );
});

t.test('expiry: older than the TTL goes, younger stays; the sweeper runs on its own', async (t) => {
  const { orm: db, schema } = await orm(t);
  const em = db.em.fork();
  const user = uuidv7();
  const at = async (key: string, hours: number) => {
    await responses.insert(em, req(user, key, {}), { statusCode: 201, body: { id: key, label: key } });
    await em.execute(
      `update "${schema}".idempotency_key set created_at = now() - ? * interval '1 hour' where key = ?`,
      [hours, key],
    );
  };
  await at('old', 24.01);
  await at('edge', 23.99);
  await at('new', 0);
  t.equal(await responses.deleteExpired(db, 24), 1, 'only the one past 24 h');
  t.equal(await responses.lookup(em, req(user, 'old', {})), undefined, 'forgotten: a new request');
  t.ok(await responses.lookup(em, req(user, 'edge', {})), 'just inside the TTL: still replays');
  t.equal(await responses.deleteExpired(db, 24), 0);

  await resources.insert(em, req(user, 'r', []), { resourceId: uuidv7() });
  await em.execute(`update "${schema}".resource_key set created_at = now() - interval '3 hours'`);
  const logs: unknown[] = [];
  const sweeper = resources.startSweeper({
    orm: db,
    ttlHours: 2,
    intervalMs: 20,
    logger: { debug: (o) => logs.push(o), warn: (o) => logs.push(o) },
  });
  t.teardown(() => sweeper.stop());
  for (let i = 0; i < 100 && (await resources.lookup(em, req(user, 'r', []))); i++)
    await new Promise((r) => setTimeout(r, 20));
  await sweeper.stop();
  t.equal(
    await resources.lookup(em, req(user, 'r', [])),
    undefined,
    "the sweeper deleted it (payments' table)",
  );
  t.same(logs, [{ deleted: 1 }]);

  const [index] = await em.execute(
    `select indexdef from pg_indexes where schemaname = ? and indexname = 'idempotency_key_created_at_idx'`,
    [schema],
  );
  t.ok(index, 'the migration indexes created_at for the sweep');
});
