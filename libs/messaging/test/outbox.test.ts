// The outbox is written in one place, in three forms: the unit of work (addToOutbox), one INSERT now
// (insertIntoOutbox) and a fragment for a hot path's own single statement (outboxInsert). All write
// the same row — the envelope, its type and the trace context — into the ORM's schema.
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { addToOutbox, envelope, insertIntoOutbox, outboxInsert, outboxTable } from '../src/index.ts';
import { Note, PING, setupOrm } from './helpers.ts';

// What the OpenTelemetry SDK registers in a running service.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const rows = (orm: Awaited<ReturnType<typeof setupOrm>>['orm']) =>
  orm.em
    .fork()
    .execute<{ id: string; type: string; payload: unknown; headers: Record<string, string> }[]>(
      'select id, type, payload, headers from outbox order by id',
    );

t.test('outboxTable is qualified with the ORM schema', async (t) => {
  const { orm, schema } = await setupOrm(t);
  t.equal(outboxTable(orm.em), `"${schema}".outbox`);
});

t.test('insertIntoOutbox writes every event in one statement, with the active trace context', async (t) => {
  const { orm } = await setupOrm(t);
  const events = [envelope(PING, { n: 1 }, { source: 'test' }), envelope(PING, { n: 2 }, { source: 'test' })];
  const span = trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 });
  await context.with(trace.setSpan(context.active(), span), () =>
    orm.em.fork().transactional((em) => insertIntoOutbox(em, events)),
  );
  const written = await rows(orm);
  t.same(
    written.map((r) => [r.id, r.type, r.payload]),
    events.map((e) => [e.id, e.type, e]),
  );
  t.match(written[0]?.headers.traceparent, /^00-a{32}-b{16}-01$/, 'the trace context travels with the row');
  await orm.em.fork().transactional((em) => insertIntoOutbox(em, []));
  t.equal((await rows(orm)).length, 2, 'no events, no statement');
});

t.test('outboxInsert is a fragment of a single statement, conditional on another part of it', async (t) => {
  const { orm } = await setupOrm(t);
  const write = async (ok: boolean) => {
    const event = envelope(PING, { n: ok ? 1 : 0 }, { source: 'test' });
    const em = orm.em.fork();
    const published = outboxInsert(em, [event], { from: 'matched', where: 'matched.ok' });
    await em.execute(
      `with note_written as (insert into note (id, text) values (?, 'x')),
            matched as (select ?::boolean as ok),
            published as (${published.sql})
       select 1`,
      [uuidv7(), ok, ...published.params],
    );
    return event;
  };
  const kept = await write(true);
  await write(false);
  t.same(
    (await rows(orm)).map((r) => r.id),
    [kept.id],
    'only the statement whose condition held wrote its event',
  );
  t.equal(await orm.em.fork().count(Note, {}), 2, 'the rest of the statement ran either way');
});

t.test('addToOutbox joins the unit of work: a rollback writes nothing', async (t) => {
  const { orm } = await setupOrm(t);
  const event = envelope(PING, { n: 1 }, { source: 'test' });
  await t.rejects(
    orm.em.fork().transactional(async (em) => {
      addToOutbox(em, event);
      await em.flush();
      throw new Error('the state change failed');
    }),
  );
  t.equal((await rows(orm)).length, 0);
  await orm.em.fork().transactional(async (em) => addToOutbox(em, event));
  t.same(
    (await rows(orm)).map((r) => r.id),
    [event.id],
  );
});
