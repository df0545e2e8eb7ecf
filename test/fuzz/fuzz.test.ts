// Fuzzes every operation of the merged OpenAPI document the gateway serves, as anonymous, a customer
// and the admin, through the gateway of a running system (test/support/system.ts). Requests are
// drawn with fast-check from each operation's schemas (valid ones) and from the hostile input
// classes of issue 9 (hostile.ts). Asserts:
// - no answer is a 5xx;
// - every 4xx is application/problem+json with a `type`;
// - a batch of requests that were all refused (4xx) changed nothing in the database.
// Bounded: a fixed seed (FUZZ_SEED) and a budget of FUZZ_RUNS hostile requests per operation and
// caller (half as many valid ones). `npm run fuzz` runs a longer one.
//
// Background writers: consumers act on events of accepted requests after the answer, so after a
// batch in which a write was accepted the database is left to settle (two equal fingerprints) before
// the next baseline. Tables that change without a request are not compared: the outbox and inbox
// (the relay marks and deletes rows, consumers record deliveries), idempotency keys (expired ones are
// swept), identity's signing keys (rotated by a worker), and the migrator's bookkeeping.
import http from 'node:http';
import { startSmtpSink } from '@mercato/testing';
import fc from 'fast-check';
import t from 'tap';
import {
  adminClient,
  type Client,
  loginAs,
  newCustomer,
  stockedProduct,
  waitForStatus,
} from '../support/client.ts';
import { changedTables, type DbFingerprint, dbFingerprinter } from '../support/db-fingerprint.ts';
import { startSystem } from '../support/system.ts';
import {
  describeOperation,
  type FuzzRequest,
  hostileRequest,
  type Operation,
  operationsOf,
  validRequest,
} from './operations.ts';
import type { SchemaContext } from './schema-arbitraries.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261209);
const RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? 4));
const VALID_RUNS = Math.max(1, Math.round(RUNS / 2));
const NOT_COMPARED = /\.(outbox|inbox|idempotency_key|signing_key|mikro_orm_migrations)$/;
// Operations that end the caller's session when they succeed: each batch gets a caller of its own.
const SESSION_ENDING = new Set(['POST /auth/logout', 'DELETE /auth/me']);

const started = Date.now();
// Notifications runs only with an SMTP server to send to: a sink, so that its routes are fuzzed too.
const smtp = await startSmtpSink();
const system = await startSystem({ smtpPort: smtp.port, shipping: true, recommendations: true });
t.teardown(async () => {
  await system.stop();
  await smtp.close();
});
const base = system.gatewayUrl;
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
t.teardown(() => agent.destroy());

// --- what exists, so that drawn ids sometimes hit real rows
const admin = await adminClient(base);
const customer = await newCustomer(base);
const { productId, storeId, stockId } = await stockedProduct(admin, { onHand: 1_000, price: '9.99' });
const order = await placeOrder(customer.client, {
  lines: [{ productId, quantity: 1 }],
  shippingAddressId: customer.addressId,
  paymentMethod: { type: 'card', token: 'tok_visa' },
});
const confirmed = await waitForStatus(customer.client, order.id);
const ids = [customer.userId, customer.addressId, productId, storeId, stockId, order.id];
for (const item of confirmed.items ?? confirmed.lines ?? []) if (item.id) ids.push(item.id);
for (const path of [`/payments?orderId=${order.id}`, `/invoices?orderId=${order.id}`]) {
  for (const row of (await admin.get(path)).body?.items ?? []) ids.push(row.id);
}

const document = (await admin.get('/docs/json')).body;
const operations = operationsOf(document);
const ctx: SchemaContext = { components: document.components?.schemas ?? {}, ids };
// A service whose document the gateway could not fetch would silently go unfuzzed.
for (const prefix of [
  '/auth',
  '/addresses',
  '/products',
  '/stocks',
  '/carts',
  '/orders',
  '/payments',
  '/invoices',
  '/notifications',
  '/shippings',
  '/recommendations',
]) {
  if (!operations.some((op) => op.template.startsWith(prefix)))
    throw new Error(`the merged document has no operation under ${prefix}`);
}

type CallerKind = 'anonymous' | 'customer' | 'admin';
const CALLERS: CallerKind[] = ['anonymous', 'customer', 'admin'];
// Callers that session-ending operations may end: made now, while logins are not throttled.
const spare: Record<CallerKind, Client[]> = { anonymous: [], customer: [], admin: [] };
for (let i = 0; i < SESSION_ENDING.size * 2; i++) {
  spare.customer.push((await newCustomer(base)).client);
  spare.admin.push(await spareAdmin(admin, i));
}
const tokenFor = (kind: CallerKind, op: Operation): string | undefined => {
  if (kind === 'anonymous') return undefined;
  if (SESSION_ENDING.has(describeOperation(op))) return spare[kind].pop()?.token;
  return kind === 'admin' ? admin.token : customer.client.token;
};

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

// --- the run
const setupSeconds = (Date.now() - started) / 1000;

t.test('no input makes a 5xx, a 4xx that is not a problem, or a change in the database', async (t) => {
  const runStarted = Date.now();
  interface Finding {
    operation: string;
    caller: CallerKind;
    hostile: string;
    request: string;
    status: number;
    body: string;
  }
  const byClass: Record<string, number> = {};
  const byInput: Record<string, Record<string, number>> = {};
  const serverErrors: Finding[] = [];
  const notProblems: Finding[] = [];
  const dbChanges: { operation: string; caller: CallerKind; tables: string[] }[] = [];
  let sent = 0;
  let batchesCompared = 0;
  let replays = 0;

  const fingerprints = await dbFingerprinter(Object.values(system.schemas));
  t.teardown(() => fingerprints.close());
  let baseline: DbFingerprint = await fingerprints.settle({ gapMs: 300 });

  let batchIndex = 0;
  for (const caller of CALLERS) {
    for (const op of operations) {
      const name = describeOperation(op);
      const batchSeed = SEED + batchIndex++;
      for (const [kind, arbitrary, runs] of [
        ['hostile', hostileRequest(op, ctx), RUNS],
        ['valid', validRequest(op, ctx), VALID_RUNS],
      ] as const) {
        const token = tokenFor(caller, op);
        const requests = fc.sample(arbitrary, {
          seed: batchSeed + (kind === 'valid' ? 7_919 : 0),
          numRuns: runs,
        });
        let allRefused = true;
        let wroteSomething = false;
        for (const request of requests) {
          const answer = await send(request, token);
          sent++;
          const klass = answer.status === 0 ? 'transport error' : `${Math.floor(answer.status / 100)}xx`;
          byClass[klass] = (byClass[klass] ?? 0) + 1;
          const input = request.hostile.split(' ').slice(0, 2).join(' ');
          byInput[input] ??= {};
          byInput[input][klass] = (byInput[input][klass] ?? 0) + 1;
          const finding = () => ({
            operation: name,
            caller,
            hostile: request.hostile,
            request: `${request.method} ${request.url.slice(0, 200)}${request.body ? ` body ${request.body.slice(0, 200)}` : ''}`,
            status: answer.status,
            body: answer.body.slice(0, 300),
          });
          if (answer.status >= 500 || answer.status === 0) serverErrors.push(finding());
          if (answer.status >= 400 && answer.status < 500 && !isProblem(answer)) notProblems.push(finding());
          if (answer.status < 400 || answer.status >= 500) allRefused = false;
          // A 5xx may have written before it failed.
          if ((answer.status < 400 || answer.status >= 500) && request.method !== 'GET')
            wroteSomething = true;
        }
        if (allRefused) {
          let after = await fingerprints.take();
          let tables = changedTables(baseline, after).filter((name) => !NOT_COMPARED.test(name));
          if (tables.length > 0) {
            // Something else may have written meanwhile (a consumer still acting on an earlier
            // accepted request): replay the batch on a settled database; only a change that comes
            // back is the batch's own.
            const settled = await fingerprints.settle({ gapMs: 500 });
            for (const request of requests) await send(request, token);
            after = await fingerprints.take();
            tables = changedTables(settled, after).filter((name) => !NOT_COMPARED.test(name));
            replays++;
          }
          if (tables.length > 0) dbChanges.push({ operation: name, caller, tables });
          batchesCompared++;
          baseline = after;
        } else if (wroteSomething) {
          // Accepted writes go on in consumers after the answer: the next baseline waits for them.
          baseline = await fingerprints.settle({ gapMs: 300 });
        }
      }
    }
  }

  // --- a few answers that no operation's schema leads to
  for (const [what, request, expected] of [
    ['unknown route', { method: 'GET', url: '/no/such/route', headers: {} }, 404],
    [
      'a body over the limit',
      {
        method: 'POST',
        url: '/products',
        headers: { 'content-type': 'application/json' },
        body: `{"name":"${'a'.repeat(2 * 1024 * 1024)}"}`,
      },
      413,
    ],
    ['an unknown method', { method: 'PROPFIND', url: '/products', headers: {} }, undefined],
  ] as const) {
    const answer = await send({ ...request, hostile: what } as FuzzRequest, admin.token);
    sent++;
    t.ok(answer.status >= 400 && answer.status < 500, `${what}: ${answer.status} is a 4xx`);
    if (expected) t.equal(answer.status, expected, `${what}: ${expected}`);
    t.ok(isProblem(answer), `${what}: problem+json with a type`);
  }

  t.comment(`fuzz: seed ${SEED}, ${RUNS} hostile + ${VALID_RUNS} valid requests per operation and caller`);
  t.comment(`fuzz: ${operations.length} operations × ${CALLERS.length} callers, ${sent} requests sent`);
  t.comment(`fuzz: by status class ${JSON.stringify(byClass)}`);
  t.comment(`fuzz: by input ${JSON.stringify(byInput)}`);
  t.comment(`fuzz: 5xx found ${serverErrors.length}; non-problem 4xx ${notProblems.length}`);
  t.comment(
    `fuzz: ${batchesCompared} all-refused batches compared with the database (${replays} replayed on a settled database), ${dbChanges.length} changed it`,
  );

  t.comment(
    `fuzz: setup ${setupSeconds.toFixed(0)} s, requests ${((Date.now() - runStarted) / 1000).toFixed(0)} s`,
  );
  if (process.env.FUZZ_REPORT) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(process.env.FUZZ_REPORT, JSON.stringify({ serverErrors, notProblems, dbChanges }, null, 2));
  }

  t.same(serverErrors, [], 'no request is answered with a 5xx');
  t.same(notProblems, [], 'every 4xx is application/problem+json with a type');
  t.same(dbChanges, [], 'batches of refused requests change nothing in the database');
  t.ok(batchesCompared > operations.length, 'most batches were compared with the database');
});

t.test('an upstream that is down answers 503 problem+json at the gateway', async (t) => {
  await system.stopService('invoices');
  const answer = await send(
    { method: 'GET', url: '/invoices', headers: {}, hostile: 'upstream down' },
    admin.token,
  );
  t.equal(answer.status, 503);
  t.ok(isProblem(answer), 'problem+json with a type');
});

// --- helpers
/**
 * node:http rather than fetch: fetch refuses a GET with a body and headers it considers invalid,
 * which are exactly what is under test here.
 */
function send(request: FuzzRequest, token?: string): Promise<Answer> {
  const headers: Record<string, string> = {
    ...request.headers,
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
  if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
  return new Promise((resolve) => {
    const req = http.request(
      `${base}${request.url}`,
      { method: request.method, headers, agent, timeout: 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', (err) => resolve({ status: 0, contentType: '', body: String(err) }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', (err) => resolve({ status: 0, contentType: '', body: String(err) }));
    req.end(request.body);
  });
}

function isProblem(answer: Answer): boolean {
  if (!answer.contentType.startsWith('application/problem+json')) return false;
  try {
    return typeof JSON.parse(answer.body).type === 'string';
  } catch {
    return false;
  }
}

async function placeOrder(client: Client, body: unknown): Promise<{ id: string }> {
  // The orders service learns of a new product from an event: retry until it has.
  for (let i = 0; i < 150; i++) {
    const reply = await client.post('/orders', body);
    if (reply.status === 201) return reply.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the setup order was not accepted');
}

async function spareAdmin(admin: Client, i: number): Promise<Client> {
  const tag = `${Date.now().toString(36)}${i}`;
  const email = `fuzz_admin_${tag}@mercato.test`;
  const password = `Fuzz-admin-${tag}-password`;
  const made = await admin.post('/users', { email, username: `fa_${tag}`, password, role: 'admin' });
  if (made.status !== 201) throw new Error(`spare admin: ${made.status} ${JSON.stringify(made.body)}`);
  return loginAs(base, email, password);
}
