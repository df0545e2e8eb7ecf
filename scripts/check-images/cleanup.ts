// Removes what the services created for the check: their schemas and this run's exchange with its
// queues (named `<exchange>.…`) and retry exchanges (`<exchange>.retry.<n>ms`).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dropSchema } from '@mercato/db';
import { TEST_AMQP_URL, TEST_DATABASE_URL } from '@mercato/testing';
import amqp from 'amqplib';

const run = promisify(execFile);

export async function dropSchemas(schemas: string[]): Promise<void> {
  for (const schema of schemas) await dropSchema(TEST_DATABASE_URL, schema).catch(() => {});
}

export async function deleteExchange(exchange: string): Promise<void> {
  const conn = await amqp.connect(TEST_AMQP_URL);
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    // The management API is not enabled everywhere; rabbitmqctl is where the broker runs. Where
    // neither is at hand the queues stay: they are empty and hold no one's data.
    const list = async (what: string) =>
      (await run('rabbitmqctl', ['-q', what, 'name']).catch(() => ({ stdout: '' }))).stdout
        .split('\n')
        .map((l) => l.trim())
        .filter((n) => n.startsWith(`${exchange}.`));
    for (const queue of await list('list_queues')) await ch.deleteQueue(queue).catch(() => {});
    for (const name of await list('list_exchanges')) await ch.deleteExchange(name).catch(() => {});
    await ch.deleteExchange(exchange).catch(() => {});
    await ch.close().catch(() => {});
  } finally {
    await conn.close().catch(() => {});
  }
}
