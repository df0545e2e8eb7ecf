// Events leave through the outbox and reach RabbitMQ: a queue of the test's own, bound to the
// test's unique exchange, receives them.
import { validateEvent } from '@mercato/contracts';
import { TEST_AMQP_URL, uniqueName } from '@mercato/testing';
import amqp from 'amqplib';
import t from 'tap';
import { startIdentity } from './helpers.ts';

interface Received {
  type: string;
  version: number;
  data: Record<string, unknown>;
  source: string;
  id: string;
}

t.test('identity events reach RabbitMQ', async (t) => {
  const s = await startIdentity(t);
  const conn = await amqp.connect(TEST_AMQP_URL);
  const ch = await conn.createChannel();
  const queue = uniqueName('t_idn_q');
  await ch.assertQueue(queue, { exclusive: true, autoDelete: true });
  await ch.bindQueue(queue, s.exchange, 'user.#');
  const received: Received[] = [];
  const waiters: (() => void)[] = [];
  await ch.consume(
    queue,
    (msg) => {
      if (!msg) return;
      received.push(JSON.parse(msg.content.toString()));
      ch.ack(msg);
      for (const w of waiters.splice(0)) w();
    },
    { noAck: false },
  );
  t.teardown(async () => {
    await ch.close().catch(() => {});
    await conn.close();
  });
  const next = async (match: (e: Received) => boolean): Promise<Received> => {
    for (;;) {
      const found = received.find(match);
      if (found) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };

  t.test('user.registered', async (t) => {
    const user = await s.register({ name: 'Eve' });
    const event = await next((e) => e.type === 'user.registered' && e.data.userId === user.id);
    t.match(event, {
      source: 'identity',
      id: /^[0-9a-f-]{36}$/,
      data: { userId: user.id, email: user.email, username: user.username, name: 'Eve', role: 'customer' },
    });
  });

  t.test('user.password_reset_requested carries the token that resets the password', async (t) => {
    const c = await s.customer();
    await s.inject({ method: 'POST', url: '/auth/password-reset', body: { email: c.email } });
    const event = await next((e) => e.type === 'user.password_reset_requested' && e.data.userId === c.id);
    t.match(event.data, { email: c.email, token: String, expiresAt: String });
    const confirm = await s.inject({
      method: 'POST',
      url: '/auth/password-reset/confirm',
      body: { token: event.data.token, password: 'From-the-email-7' },
    });
    t.equal(confirm.statusCode, 204);
    await s.login(c.email, 'From-the-email-7');
    const updated = await next((e) => e.type === 'user.updated' && e.data.userId === c.id);
    t.same(updated.data.changed, ['password']);
  });

  t.test('user.verification_requested carries the token that verifies the address', async (t) => {
    const c = await s.register();
    const event = await next((e) => e.type === 'user.verification_requested' && e.data.userId === c.id);
    t.match(event.data, { email: c.email, token: String, expiresAt: String });
    const verified = await s.inject({
      method: 'POST',
      url: '/auth/verify',
      body: { token: event.data.token },
    });
    t.equal(verified.statusCode, 200);
  });

  t.test('user.deactivated', async (t) => {
    const c = await s.customer();
    const admin = await s.admin();
    await s.inject({
      method: 'PATCH',
      url: `/users/${c.id}`,
      token: admin.accessToken,
      body: { active: false },
    });
    const event = await next((e) => e.type === 'user.deactivated' && e.data.userId === c.id);
    t.same(event.data, { userId: c.id });
  });

  t.test('user.erased carries the address the account had', async (t) => {
    const c = await s.customer();
    await s.inject({
      method: 'DELETE',
      url: '/auth/me',
      token: c.accessToken,
      body: { password: c.password },
    });
    const event = await next((e) => e.type === 'user.erased' && e.data.userId === c.id);
    t.match(event.data, { userId: c.id, email: c.email, erasedAt: String });
  });

  t.test('every event received matches its pinned contract', async (t) => {
    await next((e) => e.type === 'user.erased');
    t.ok(received.length >= 6);
    for (const e of received) t.same(validateEvent(e.type, e.version, e.data), { ok: true }, e.type);
  });
});
