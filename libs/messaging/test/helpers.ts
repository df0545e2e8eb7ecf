// Shared set-up for the messaging tests: an isolated schema with the messaging tables and a small
// `note` table, a broker on a unique exchange (deleted in teardown), and a test contract.
import { contracts } from '@mercato/contracts';
import { createOrm } from '@mercato/db';
import { isolatedSchema, TEST_AMQP_URL, TEST_DATABASE_URL, uniqueName } from '@mercato/testing';
import { defineEntity, p } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import amqp from 'amqplib';
import { Type } from 'typebox';
import { Broker, messagingEntities, messagingMigrations } from '../src/index.ts';

export const Note = defineEntity({
  name: 'Note',
  properties: {
    id: p.string().primary(),
    text: p.string(),
  },
});

class CreateNote extends Migration {
  override async up() {
    this.addSql('create table note (id text primary key, text text not null)');
  }
}

/** The messaging tables and the `note` table, in order. */
export const noteMigrations = [
  ...messagingMigrations,
  { name: 'Migration20261122000001_note', class: CreateNote },
];

// The tests' own event type; registered in this process only.
export const PING = 'test.ping';
contracts[PING] = { 1: Type.Object({ n: Type.Integer(), text: Type.Optional(Type.String()) }) };
// Another test type, registered by the test that uses it.
export const PONG = 'test.pong';

/** The tests' events, for typed handlers: `startConsumer<TestEvents>({ handlers: { [PING]: … } })`. */
export interface TestEvents {
  [PING]: { n: number; text?: string };
  [PONG]: { n: number };
}

interface Tap {
  teardown(fn: () => unknown): void;
}

export async function setupOrm(t: Tap) {
  const schema = await isolatedSchema(t, 't_msg');
  const orm = await createOrm({
    url: TEST_DATABASE_URL,
    schema,
    entities: [...messagingEntities, Note],
    migrations: noteMigrations,
  });
  t.teardown(() => orm.close(true));
  return { orm, schema };
}

/**
 * A broker on a fresh exchange. In teardown it is closed, and its exchange and every queue declared
 * through it are deleted over a direct connection (the broker under test may sit behind a cut proxy).
 */
export async function setupBroker(t: Tap, opts: { url?: string; exchange?: string } = {}) {
  const exchange = opts.exchange ?? uniqueName('t_ex');
  const broker = await Broker.connect({ url: opts.url ?? TEST_AMQP_URL, exchange });
  t.teardown(async () => {
    const queues = broker.declaredQueues;
    await broker.close();
    const admin = await Broker.connect({ url: TEST_AMQP_URL, exchange });
    admin.trackQueues(queues);
    await admin.deleteTopology();
    await admin.close();
  });
  return broker;
}

/** Takes every message currently in `queue` (for inspecting a DLQ), over a direct connection. */
export async function drainQueue(queue: string): Promise<import('amqplib').GetMessage[]> {
  const conn = await amqp.connect(TEST_AMQP_URL);
  try {
    const ch = await conn.createChannel();
    const out: import('amqplib').GetMessage[] = [];
    for (;;) {
      const msg = await ch.get(queue, { noAck: true });
      if (!msg) break;
      out.push(msg);
    }
    return out;
  } finally {
    await conn.close();
  }
}

export const header = (msg: { properties: { headers?: Record<string, unknown> } }, name: string) => {
  const v = msg.properties.headers?.[name];
  return Buffer.isBuffer(v) ? v.toString('utf8') : v;
};
