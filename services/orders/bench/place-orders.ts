// Load on the hot path: POST /orders at 50 connections against the real app (PostgreSQL, RabbitMQ,
// relay running), on a throwaway schema and exchange. Prints throughput and latency percentiles.
//   node --import tsx services/orders/bench/place-orders.ts [seconds] [connections] [orders per second]
// Without a rate, autocannon sends as fast as the service answers (the throughput ceiling); with
// one, it measures latency at that load (the target: p99 < 100 ms at 50 connections, 100+/s).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { dropSchema } from '@mercato/db';
import { envelope } from '@mercato/messaging';
import { TEST_DATABASE_URL, testAuth, uniqueName } from '@mercato/testing';
import { uuidv7 } from 'uuidv7';
import { buildApp } from '../src/app.ts';
import { handleProductEvent } from '../src/consumers/product-prices.ts';
import { testConfig } from '../test/helpers.ts';

// autocannon runs in a process of its own: in this one it would compete with the server for the
// event loop and inflate every latency.
const autocannonCli = fileURLToPath(
  new URL('../../../node_modules/autocannon/autocannon.js', import.meta.url),
);
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
const app = await buildApp(testConfig(schema, exchange, { LOG_LEVEL: 'warn', DATABASE_POOL_MAX: 20 }), {
  jwks: auth.jwks,
});
try {
  const productIds = [uuidv7(), uuidv7(), uuidv7()];
  for (const [i, productId] of productIds.entries()) {
    const data = {
      productId,
      name: `Bench ${i}`,
      price: { amount: '9.99', currency: 'EUR' },
      active: true,
      version: 1,
    };
    await app.orm.em
      .fork()
      .transactional((em) => handleProductEvent(envelope('product.created', data, { source: 'bench' }), em));
  }
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const token = await auth.sign({ sub: uuidv7(), role: 'customer', expiresIn: '1h' });
  const body = JSON.stringify({
    lines: productIds.map((productId, i) => ({ productId, quantity: i + 1 })),
    shippingAddressId: uuidv7(),
    paymentMethod: { type: 'card', token: 'tok_visa' },
  });
  const cpuBefore = process.cpuUsage();
  const result = await autocannon({
    url: `${address}/orders`,
    connections,
    duration: seconds,
    ...(rate ? { rate } : {}),
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
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
  await dropSchema(TEST_DATABASE_URL, schema);
  const amqp = (await import('amqplib')).default;
  const conn = await amqp.connect(testConfig(schema, exchange).AMQP_URL);
  const ch = await conn.createChannel();
  for (const name of ['orders.product-prices', 'orders.order-flow']) {
    for (const q of ['', '.dlq', '.retry.1000ms', '.retry.5000ms', '.retry.30000ms']) {
      await ch.deleteQueue(`${exchange}.${name}${q}`);
    }
  }
  await ch.deleteExchange(exchange);
  await conn.close();
}
