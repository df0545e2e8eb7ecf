// Faults in the middle of the flow: the broker becomes unreachable during 50 orders, and consumer
// processes are killed (SIGKILL) mid-flow and restarted. Every order still ends CONFIRMED or
// CANCELLED, none is lost, and none is charged or invoiced twice.
// The shared RabbitMQ is never stopped (other test files use it): every service reaches it through a
// TCP proxy that the test cuts, which is what the services see when the broker goes down.
import { eventually, startTcpProxy } from '@mercato/testing';
import t, { type Test } from 'tap';
import { type Client, type Customer, waitForStatus } from '../support/client.ts';
import { cardFor, openShop, placeOrder } from '../support/order-stream.ts';
import { startSystem } from '../support/system.ts';

// The shop and the order-with-card helpers are shared with infra-restarts.test.ts.
const setup = openShop;
const order = (c: Customer, productId: string, i: number) => placeOrder(c, productId, cardFor(i));

async function assertSettled(t: Test, admin: Client, orders: { id: string; c: Customer }[]) {
  const finals = await Promise.all(
    orders.map(({ id, c }) => waitForStatus(c.client, id, undefined, 180_000)),
  );
  t.equal(finals.length, orders.length, `all ${orders.length} orders reached CONFIRMED or CANCELLED`);
  const payments = (await admin.get('/payments?pageSize=100')).body.items as any[];
  const allPayments: any[] = [...payments];
  for (let page = 2; allPayments.length < (await admin.get('/payments?pageSize=1')).body.total; page++) {
    allPayments.push(...(await admin.get(`/payments?pageSize=100&page=${page}`)).body.items);
  }
  const ids = new Set(orders.map((o) => o.id));
  const confirmedIds = new Set(finals.filter((o) => o.status === 'CONFIRMED').map((o) => o.id));
  // The invoice follows the payment on its own queue: wait until every confirmed order has one.
  const invoices = await eventually(
    async () => {
      const list = (await admin.get('/invoices?pageSize=100')).body.items as any[];
      const invoiced = new Set(list.map((i) => i.orderId));
      const missing = [...confirmedIds].filter((id) => !invoiced.has(id));
      if (missing.length) throw new Error(`${missing.length} confirmed orders without an invoice`);
      return list;
    },
    { timeoutMs: 120_000, intervalMs: 250 },
  );
  const perOrder = (list: any[]) => {
    const m = new Map<string, number>();
    for (const x of list) if (ids.has(x.orderId)) m.set(x.orderId, (m.get(x.orderId) ?? 0) + 1);
    return m;
  };
  const paid = perOrder(allPayments.filter((p) => /succeeded|captured|paid/i.test(p.status)));
  const invoiced = perOrder(invoices);
  const confirmed = finals.filter((o) => o.status === 'CONFIRMED');
  t.ok(confirmed.length > 0, `${confirmed.length} confirmed`);
  t.ok(
    confirmed.every((o) => paid.get(o.id) === 1),
    'every confirmed order has exactly one successful payment',
  );
  t.ok(
    confirmed.every((o) => invoiced.get(o.id) === 1),
    'every confirmed order has exactly one invoice',
  );
  t.ok(
    [...paid.values()].every((n) => n === 1),
    'no order charged twice',
  );
  t.ok(
    [...invoiced.values()].every((n) => n === 1),
    'no order invoiced twice',
  );
  return finals;
}

t.test('the broker goes away in the middle of 50 orders and comes back', async (t) => {
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5672 });
  t.teardown(() => proxy.close());
  const system = await startSystem({ amqpUrl: `amqp://guest:guest@127.0.0.1:${proxy.port}` });
  t.teardown(() => system.stop());
  const { admin, productId, customers } = await setup(system, 1000);

  const placed: { id: string; c: Customer }[] = [];
  const refused: number[] = [];
  for (let i = 0; i < 50; i++) {
    if (i === 20) proxy.cut(); // RabbitMQ unreachable from here on
    const c = customers[i % customers.length];
    const r = await order(c, productId, i);
    if (r.status === 201) placed.push({ id: r.body.id, c });
    else refused.push(r.status);
  }
  t.same(refused, [], 'all 50 orders accepted, 30 of them while the broker was unreachable');
  const pendingDuringOutage = await Promise.all(
    placed.slice(20).map(({ id, c }) => c.client.get(`/orders/${id}`)),
  );
  t.ok(
    pendingDuringOutage.every((r) => r.body.status === 'PENDING'),
    'orders placed during the outage wait in PENDING',
  );
  await new Promise((res) => setTimeout(res, 1000));
  await proxy.restore();
  const finals = await assertSettled(t, admin, placed);
  t.equal(finals.filter((o) => o.status === 'CANCELLED').length, 5, 'the five declined cards are cancelled');
});

t.test('consumer processes are killed mid-flow and restarted', async (t) => {
  const system = await startSystem({ childProcesses: ['inventory', 'payments', 'invoices'] });
  t.teardown(() => system.stop());
  const { admin, productId, customers } = await setup(system, 1000);

  const placed: { id: string; c: Customer }[] = [];
  const placing = (async () => {
    for (let i = 0; i < 50; i++) {
      const c = customers[i % customers.length];
      const r = await order(c, productId, i);
      placed.push({ id: r.body.id, c });
    }
  })();
  await new Promise((res) => setTimeout(res, 300));
  await system.stopService('payments', { kill: true });
  await system.stopService('inventory', { kill: true });
  await new Promise((res) => setTimeout(res, 500));
  await system.stopService('invoices', { kill: true });
  await placing;
  t.equal(placed.length, 50, 'all 50 orders accepted while consumers were down');
  await system.startService('inventory');
  await system.startService('payments');
  await system.startService('invoices');
  const finals = await assertSettled(t, admin, placed);
  t.equal(finals.filter((o) => o.status === 'CANCELLED').length, 5, 'the five declined cards are cancelled');
});
