// The statements one paid order sends from payments to PostgreSQL (issue 14: round trips are the main
// CPU cost of an order). Drives an order as production does — stock.reserved over the broker (the
// pending charge, handed to this process's worker at commit), the provider's answer (nock'ed, held
// until the test lets it go, so the charge is a step of its own), payment.succeeded in the outbox —
// and counts what pg's clients send, below @mercato/db's deferred `begin` (a `begin` queued on its
// own is counted, one folded into `begin;<statement>` is not). Prints the count per step
// (SHOW_STATEMENTS=1: the SQL too); fails when a round trip comes back.
import type { StockReserved } from '@mercato/contracts';
import type { Envelope } from '@mercato/messaging';
import { eventually, querySchema, recordServiceStatements, statementSteps } from '@mercato/testing';
import nock from 'nock';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { PROVIDER, startPayments } from './helpers.ts';

// Patched before the app's pools exist. The service's ORM connects with its schema on the
// search_path; the outbox relay (libs/messaging) has a pool of its own; the rest is this test looking.
let serviceSchema = '';
const statements = recordServiceStatements(
  (fn) => t.teardown(fn),
  () => serviceSchema,
);

t.before(() => nock.disableNetConnect());
t.teardown(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/**
 * Upper bound of the statements payments' own code sends per paid order (the relay's are
 * libs/messaging's and counted apart): 6 — stock.reserved 3 (the inbox claim carrying `begin`, the
 * first attempt inserted already leased, `commit`), the charge 3 (the outcome with payment.succeeded
 * carrying `begin`, the late-capture check, `commit`). Already at its floor before issue 14's cut
 * here (6 too): the late-capture check must read in a snapshot taken after the outcome's row lock
 * (record-payment-outcome.ts), so it cannot share the outcome's statement.
 */
const MAX_PER_ORDER = 6;
/** The relay's statements for the order's one event, payment.succeeded: the claim and the mark (a look first before the relay knew rows committed here need none), one of slack. */
const MAX_RELAY = 3;

t.test('statements per paid order, step by step', async (t) => {
  // The worker charges on the commit's hand-off only: no poll inside the measured steps. The provider
  // is held for a while (the step's quiet time): no timeout meanwhile.
  const s = await startPayments(t, {
    PAYMENT_WORKER_POLL_MS: '3600000',
    PAYMENT_PROVIDER_TIMEOUT_MS: '30000',
  });
  serviceSchema = s.schema;
  const data: StockReserved = {
    orderId: uuidv7(),
    userId: uuidv7(),
    revision: 1,
    lines: [{ productId: uuidv7(), quantity: 2 }],
    total: { amount: '42.50', currency: 'EUR' },
    paymentMethod: { type: 'card', token: 'tok_visa' },
  };

  // The provider answers when the test lets it, so the charge is a step of its own.
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let asked = false;
  const provider = nock(PROVIDER)
    .post('/v1/charges', { amount: '42.50', currency: 'EUR', token: 'tok_visa', reference: data.orderId })
    .matchHeader('idempotency-key', `${data.orderId}:1`)
    .reply(async () => {
      asked = true;
      await gate;
      return [201, { id: 'ch_statements', status: 'succeeded', amount: '42.50', currency: 'EUR' }];
    });

  /** Waits until the service has committed `event` (its inbox row), looking over a connection of its own. */
  const handled = (event: Envelope) =>
    eventually(async () => {
      const rows = await querySchema(s.schema, 'select 1 from inbox where message_id = $1', [event.id]);
      if (rows.length === 0) throw new Error(`${event.type} not handled yet`);
    });

  await statements.quiet(400);
  const { step, summary } = statementSteps(statements);

  const reserved = s.event('stock.reserved', data, data.orderId);
  await step('stock.reserved', async () => {
    await s.publish(reserved);
    await handled(reserved);
    await eventually(async () => {
      if (!asked) throw new Error('the provider not asked yet');
    });
  });
  await step('charge → payment.succeeded', async () => {
    release();
    await s.events.waitFor('payment.succeeded', data.orderId);
  });

  const { service: total, relay: relayed, table } = summary();
  t.comment(`statements per paid order: payments ${total}, its outbox relay ${relayed}\n${table}`);

  // What the order did: the effects these statements are for.
  t.ok(provider.isDone(), 'the provider charged once');
  const succeeded = s.events.of('payment.succeeded', data.orderId);
  t.equal(succeeded.length, 1, 'payment.succeeded once');
  t.match(succeeded[0]!.data, {
    orderId: data.orderId,
    revision: 1,
    amount: { amount: '42.50', currency: 'EUR' },
    providerRef: 'ch_statements',
  });
  t.equal(succeeded[0]!.causationId, reserved.id);
  const rows = await s.query('select status, tries, provider_ref from payment where order_id = $1', [
    data.orderId,
  ]);
  t.same(rows, [{ status: 'succeeded', tries: 1, provider_ref: 'ch_statements' }]);
  t.same(await s.query('select 1 from refund where order_id = $1', [data.orderId]), [], 'no refund');

  t.ok(
    total <= MAX_PER_ORDER,
    `payments sends at most ${MAX_PER_ORDER} statements per paid order (sent ${total})`,
  );
  t.ok(relayed <= MAX_RELAY, `its relay at most ${MAX_RELAY} (sent ${relayed})`);
});
