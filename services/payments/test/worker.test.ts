// The provider worker when a process dies mid-call: the lease expires, another worker calls the
// provider again with the same idempotency key, and exactly one outcome and one event are recorded.
import { createOrm } from '@mercato/db';
import { eventually, isolatedSchema, TEST_DATABASE_URL } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { migrations } from '../migrations/index.ts';
import type { PaymentProvider, ProviderOutcome } from '../src/domain/provider.ts';
import { entities, Payment } from '../src/persistence/entities.ts';
import { DUE_AT_ONCE } from '../src/persistence/payments.ts';
import { ProviderWorker } from '../src/workers/provider-worker.ts';

const silent = { info() {}, warn() {}, error() {} };

t.test('a charge whose worker died mid-call is retried with the same key, once', async (t) => {
  const schema = await isolatedSchema(t, 't_payw');
  const orm = await createOrm({ url: TEST_DATABASE_URL, schema, entities, migrations });
  t.teardown(() => orm.close(true));

  const orderId = uuidv7();
  const id = uuidv7();
  const now = new Date();
  const em = orm.em.fork();
  em.create(Payment, {
    id,
    orderId,
    userId: uuidv7(),
    revision: 1,
    attempt: 1,
    amount: '15.00',
    currency: 'EUR',
    paymentMethod: { type: 'card', token: 'tok_visa' },
    idempotencyKey: `${orderId}:1`,
    status: 'pending',
    failureReason: null,
    providerRef: null,
    refundedAmount: '0',
    tries: 0,
    nextTryAt: DUE_AT_ONCE,
    causationId: null,
    createdAt: now,
    updatedAt: now,
  });
  await em.flush();

  const keys: string[] = [];
  let answerStuck: (o: ProviderOutcome) => void = () => {};
  const stuck: PaymentProvider = {
    charge: async (req) => {
      keys.push(req.idempotencyKey);
      return new Promise((resolve) => {
        answerStuck = resolve;
      });
    },
    refund: async () => ({ kind: 'unavailable', detail: 'unused' }),
  };
  const healthy: PaymentProvider = {
    charge: async (req) => {
      keys.push(req.idempotencyKey);
      return { kind: 'succeeded', providerRef: 'ch_same' };
    },
    refund: async () => ({ kind: 'unavailable', detail: 'unused' }),
  };
  const options = {
    orm,
    logger: silent,
    maxTries: 3,
    refundMaxTries: 3,
    retryBaseMs: 10,
    pollMs: 60_000,
    leaseMs: 1_500,
  };
  const dying = new ProviderWorker({ ...options, provider: stuck });
  const survivor = new ProviderWorker({ ...options, provider: healthy });

  const inFlight = dying.processPayment(id); // never answered: as good as a dead process
  await eventually(async () => {
    if (keys.length !== 1) throw new Error('first call not made yet');
  });
  // While the lease holds, nobody else calls the provider for it.
  await survivor.processPayment(id);
  t.equal(keys.length, 1, 'the lease keeps other workers away');

  await eventually(async () => {
    await survivor.processPayment(id);
    const row = await orm.em.fork().findOneOrFail(Payment, { id });
    if (row.status !== 'succeeded') throw new Error('not recorded yet');
  });
  t.same(keys, [`${orderId}:1`, `${orderId}:1`], 'the same idempotency key both times');

  // The first call's late answer finds the outcome recorded: no second outcome, no second event.
  answerStuck({ kind: 'succeeded', providerRef: 'ch_same' });
  await inFlight;
  const outbox = await orm.em.fork().execute('select type from outbox');
  t.same(outbox, [{ type: 'payment.succeeded' }]);
  const row = await orm.em.fork().findOneOrFail(Payment, { id });
  t.match(row, { status: 'succeeded', providerRef: 'ch_same', tries: 2 });
  await dying.stop();
  await survivor.stop();
});
