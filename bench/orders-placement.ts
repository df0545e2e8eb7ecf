// npm run bench:placement — load on orders' hot path: POST /orders at 50 connections against the real
// app (PostgreSQL, RabbitMQ, relay running) built by buildApp, on a throwaway schema and exchange.
// Prints throughput, latency percentiles and the service's CPU time per order.
//   npm run bench:placement -- [seconds] [connections] [orders per second]
// Without a rate, autocannon sends as fast as the service answers (the throughput ceiling); with
// one, it measures latency at that load (the target: p99 < 100 ms at 50 connections, 100+/s).
// Only the service's public surface is used: its config schema, buildApp, product.created events
// on its exchange and HTTP. Placement finds the shipping address in its event-fed copy of identity's
// addresses; this bench publishes no address events, so every order misses the copy and asks a
// stand-in for identity (GET /addresses/{id}) over real HTTP: the figures include that call.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { dropSchema } from '@mercato/db';
import { loadConfig } from '@mercato/kit';
import { envelope } from '@mercato/messaging';
import {
  deleteConsumerTopology,
  eventually,
  publishEvents,
  TEST_AMQP_URL,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  testAuth,
  uniqueName,
} from '@mercato/testing';
import { uuidv7 } from 'uuidv7';
import { buildApp } from '../services/orders/src/app.ts';
import { configSchema } from '../services/orders/src/config.ts';

/** orders' consumers and the messaging library's default retry delays: the queues to delete after. */
const CONSUMERS = ['orders.product-prices', 'orders.order-flow', 'orders.erasure', 'orders.addresses'];
const RETRY_DELAYS_MS = [1000, 5000, 30000];

// autocannon runs in a process of its own: in this one it would compete with the server for the
// event loop and inflate every latency.
const autocannonCli = fileURLToPath(new URL('../node_modules/autocannon/autocannon.js', import.meta.url));
const openLoopClient = fileURLToPath(new URL('./open-loop-client.ts', import.meta.url));
async function autocannon(opts: {
  rate?: number;
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
  body: string;
}) {
  const args = [
    autocannonCli,
    '-j',
    '-m',
    'POST',
    '-c',
    String(opts.connections),
    '-d',
    String(opts.duration),
    '-b',
    opts.body,
  ];
  for (const [k, v] of Object.entries(opts.headers)) args.push('-H', `${k}=${v}`);
  // A fixed rate is driven open-loop by our own client (see open-loop-client.ts for why).
  const command = opts.rate
    ? [
        '--import',
        'tsx',
        openLoopClient,
        opts.url,
        String(opts.rate),
        String(opts.duration),
        String(opts.connections),
        JSON.stringify(opts.headers),
        opts.body,
      ]
    : [...args, opts.url];
  const { stdout } = await promisify(execFile)(process.execPath, command, { maxBuffer: 1 << 24 });
  return JSON.parse(stdout) as {
    requests: { average: number };
    latency: Record<string, number>;
    non2xx: number;
    errors: number;
    '2xx': number;
  };
}

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 50);
const rate = process.argv[4] ? Number(process.argv[4]) : undefined;
const schema = uniqueName('bench_orders');
const exchange = uniqueName('bench_orders_ex');
const auth = await testAuth();
const customerId = uuidv7();
const addressId = uuidv7();
// identity's GET /addresses/{id} as the customer would get it: their one address, answered at once.
const identity = createServer((req, res) => {
  const own = req.url === `/addresses/${addressId}`;
  res.writeHead(own ? 200 : 404, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify(
      own
        ? {
            id: addressId,
            userId: customerId,
            street: '1 Bench Street',
            city: 'Berlin',
            postalCode: '10115',
            country: 'DE',
            isDefault: true,
          }
        : { title: 'Not Found' },
    ),
  );
});
await new Promise<void>((resolve) => identity.listen(0, '127.0.0.1', resolve));
const config = loadConfig(configSchema, {
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'warn',
  DATABASE_URL: TEST_DATABASE_URL,
  DATABASE_SCHEMA: schema,
  DATABASE_POOL_MAX: '20',
  AMQP_URL: TEST_AMQP_URL,
  AMQP_EXCHANGE: exchange,
  REDIS_URL: TEST_REDIS_URL,
  JWKS_URL: 'http://127.0.0.1:1/unused',
  ORDER_SWEEP_INTERVAL_MS: '60000',
  IDENTITY_URL: `http://127.0.0.1:${(identity.address() as AddressInfo).port}`,
});
const app = await buildApp(config, { jwks: auth.jwks });
try {
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  // The catalog as orders learns it: product.created events on its exchange, as catalog publishes them.
  const productIds = [uuidv7(), uuidv7(), uuidv7()];
  await publishEvents(
    exchange,
    productIds.map((productId, i) =>
      envelope(
        'product.created',
        {
          productId,
          name: `Bench ${i}`,
          price: { amount: '9.99', currency: 'EUR' },
          active: true,
          version: 1,
        },
        { source: 'bench' },
      ),
    ),
  );
  const token = await auth.sign({ sub: customerId, role: 'customer', expiresIn: '1h' });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const body = JSON.stringify({
    lines: productIds.map((productId, i) => ({ productId, quantity: i + 1 })),
    shippingAddressId: addressId,
    paymentMethod: { type: 'card', token: 'tok_visa' },
  });
  // Once the consumer has them, an order for these products is placed (a warm-up order, not counted).
  await eventually(async () => {
    const res = await fetch(`${address}/orders`, { method: 'POST', headers, body });
    if (res.status !== 201) throw new Error(`warm-up order: ${res.status} ${await res.text()}`);
  });
  const cpuBefore = process.cpuUsage();
  const result = await autocannon({
    url: `${address}/orders`,
    connections,
    duration: seconds,
    ...(rate ? { rate } : {}),
    headers,
    body,
  });
  const cpu = process.cpuUsage(cpuBefore);
  console.log(
    JSON.stringify({
      // CPU the service spent per order (user + system): the figure that stays meaningful on a busy machine.
      serverCpuMsPerOrder: Number(((cpu.user + cpu.system) / 1000 / Math.max(1, result['2xx'])).toFixed(2)),
      connections,
      seconds,
      rate: rate ?? 'max',
      ordersPerSecond: result.requests.average,
      created: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      latencyMs: result.latency,
    }),
  );
} finally {
  await app.close();
  identity.close();
  await dropSchema(TEST_DATABASE_URL, schema);
  await deleteConsumerTopology(exchange, CONSUMERS, RETRY_DELAYS_MS);
}
