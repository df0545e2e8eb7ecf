// `npm run bench:cart`: reading a full cart. Starts the system (every service its own process, a
// schema and exchange of its own), gives one customer a cart of BENCH_CART_LINES (default 20) lines,
// then loads `GET /carts/me` through the gateway with autocannon (BENCH_CONNECTIONS, default 50, for
// BENCH_DURATION_S, default 10 s) and prints req/s, latency p50/p99 and the errors. Every read
// computes the cart afresh: current prices and availability from the cart's read models.
import { cpus, loadavg } from 'node:os';
import { eventually } from '@mercato/testing';
import autocannon from 'autocannon';
import { adminClient, newCustomer, stockedProduct } from '../test/support/client.ts';
import { startSystem } from '../test/support/system.ts';

const LINES = Number(process.env.BENCH_CART_LINES ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);

const system = await startSystem({ childProcesses: 'all', logLevel: 'warn' });
try {
  const admin = await adminClient(system.gatewayUrl);
  const customer = await newCustomer(system.gatewayUrl);
  for (let i = 0; i < LINES; i++) {
    const { productId } = await stockedProduct(admin, {
      price: `${10 + i}.99`,
      onHand: 1000,
      name: `Bench cart book ${i}`,
    });
    await eventually(
      async () => {
        const reply = await customer.client.post('/carts/me/items', { productId, quantity: 1 + (i % 3) });
        if (reply.status >= 300) throw new Error(`add: ${reply.status} ${JSON.stringify(reply.body)}`);
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
  }
  const cart = (await customer.client.get('/carts/me')).body;
  if (cart.lines?.length !== LINES) throw new Error(`the cart has ${cart.lines?.length} lines, not ${LINES}`);
  console.log(`cart of ${LINES} lines, total ${cart.total.amount} ${cart.total.currency}`);
  console.log(
    `machine: ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );

  const result = await autocannon({
    url: `${system.gatewayUrl}/carts/me`,
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { authorization: `Bearer ${customer.client.token}` },
  });
  const non2xx = result.non2xx + result.errors + result.timeouts;
  console.log(
    `GET /carts/me (${LINES} lines) through the gateway, ${CONNECTIONS} connections, ${DURATION_S} s: ` +
      `${result.requests.average.toFixed(0)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ` +
      `${result.requests.total} requests, ${non2xx} not 2xx or failed`,
  );
} finally {
  await system.stop();
}
