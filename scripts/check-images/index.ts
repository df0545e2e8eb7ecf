/**
 * `npm run check:images`: builds every service's image and runs each as the chart runs it
 * (read-only root, non-root 1000:1000, every capability dropped, no new privileges, an init) against
 * the local PostgreSQL, RabbitMQ and Redis, waits for each /readyz, prints a table and removes the
 * containers again. Exits 1 on any failure. Not part of `npm test`: building takes minutes.
 *
 *   node --import tsx scripts/check-images/index.ts [service …] [--skip-build] [--tag TAG]
 *
 * Without services: every folder under services/. --skip-build runs the images already there
 * (mercato/<svc>:<TAG>, default dev). Images are built one after another: the dependency layer is
 * built once and shared, and this machine has two cores. Containers use the host network and listen
 * on 127.0.0.1 at free ports; each service gets a fresh schema, the run one exchange of its own
 * (environment.ts), dropped at the end (cleanup.ts).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { deleteExchange, dropSchemas } from './cleanup.ts';
import { plan, START_ORDER } from './environment.ts';
import {
  BASE_IMAGE,
  buildImage,
  ENGINE,
  imageBytes,
  isRunning,
  logsTail,
  runContainer,
  stopAndRemove,
} from './podman.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const READY_TIMEOUT_MS = Number(process.env.CHECK_IMAGES_READY_TIMEOUT_MS ?? 120_000);
const MB = 1_000_000;

const { values, positionals } = parseArgs({
  options: { 'skip-build': { type: 'boolean', default: false }, tag: { type: 'string', default: 'dev' } },
  allowPositionals: true,
});
const all = readdirSync(path.join(ROOT, 'services'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const unknown = positionals.filter((s) => !all.includes(s));
if (unknown.length > 0) {
  console.error(`check:images: no such service: ${unknown.join(', ')}`);
  process.exit(1);
}
const chosen = positionals.length > 0 ? positionals : all;
// Services not in START_ORDER (a new one) start before the gateway.
const services = [...chosen].sort((a, b) => rank(a) - rank(b));
function rank(s: string): number {
  const i = START_ORDER.indexOf(s);
  return i === -1 ? START_ORDER.indexOf('gateway') - 0.5 : i;
}
const image = (s: string) => `mercato/${s}:${values.tag}`;

interface Row {
  service: string;
  imageMb?: number;
  aboveBaseMb?: number;
  buildSeconds?: number;
  readySeconds?: number;
  stopSeconds?: number;
  error?: string;
}
const rows = new Map<string, Row>(services.map((s) => [s, { service: s }]));
const failures: string[] = [];
const fail = (service: string, message: string) => {
  rows.get(service)!.error = message.split('\n')[0];
  failures.push(`${service}: ${message}`);
};

async function waitReady(container: string, port: number, startedAt: number): Promise<void> {
  const deadline = startedAt + READY_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `/readyz ${res.status}: ${(await res.text()).slice(0, 200)}`;
    } catch (err) {
      last = String((err as Error).cause ?? err);
    }
    if (!(await isRunning(container))) throw new Error(`exited before ready:\n${await logsTail(container)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`not ready after ${READY_TIMEOUT_MS / 1000} s (${last}):\n${await logsTail(container)}`);
}

// 1. Build (or find) every image.
const baseBytes = await imageBytes(BASE_IMAGE).catch(() => Number.NaN);
if (Number.isNaN(baseBytes)) {
  console.error(
    `check:images: ${ENGINE} has no ${BASE_IMAGE} (on this machine: bash ../shared/containers/setup.sh)`,
  );
  process.exit(1);
}
for (const service of services) {
  const row = rows.get(service)!;
  try {
    if (!values['skip-build']) {
      const t0 = Date.now();
      console.log(`[check:images] building ${image(service)} …`);
      await buildImage(ROOT, service, image(service));
      row.buildSeconds = (Date.now() - t0) / 1000;
    }
    const bytes = await imageBytes(image(service));
    row.imageMb = bytes / MB;
    row.aboveBaseMb = (bytes - baseBytes) / MB;
  } catch (err) {
    fail(service, (err as Error).message);
  }
}

// 2. Run them, one after another (seconds to ready measured without the others starting at once).
const run = await plan(services);
const runId = run.exchange.slice(-8);
const started: { service: string; container: string }[] = [];
const stopAll = async () => {
  for (const { service, container } of started.splice(0).reverse()) {
    rows.get(service)!.stopSeconds = await stopAndRemove(container);
  }
  await dropSchemas(run.schemas);
  await deleteExchange(run.exchange).catch((err) => console.error(`cleanup of ${run.exchange}: ${err}`));
};
process.once('SIGINT', () => {
  void stopAll().finally(() => process.exit(130));
});

try {
  for (const service of services) {
    const row = rows.get(service)!;
    if (row.error) continue;
    const container = `mercato-check-${service}-${runId}`;
    const startedAt = Date.now();
    try {
      await runContainer(container, image(service), run.envFor(service));
      started.push({ service, container });
      await waitReady(container, run.ports[service]!, startedAt);
      row.readySeconds = (Date.now() - startedAt) / 1000;
      console.log(`[check:images] ${service} ready in ${row.readySeconds.toFixed(1)} s`);
    } catch (err) {
      fail(service, (err as Error).message);
    }
  }
} finally {
  await stopAll();
}

// 3. The table.
const fmt = (n: number | undefined, digits = 1) => (n === undefined ? '-' : n.toFixed(digits));
const table = [
  ['service', 'image MB', 'MB above base', 'build s', 'ready s', 'stop s', 'result'],
  ...[...rows.values()].map((r) => [
    r.service,
    fmt(r.imageMb),
    fmt(r.aboveBaseMb),
    fmt(r.buildSeconds, 0),
    fmt(r.readySeconds),
    fmt(r.stopSeconds),
    r.error ? `FAIL ${r.error}` : 'ok',
  ]),
];
const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
console.log(`\nbase ${BASE_IMAGE}: ${fmt(baseBytes / MB)} MB; run as the chart runs them (${ENGINE})`);
for (const row of table) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
for (const f of failures) console.error(`\n${f}`);
const ok = services.length - new Set(failures.map((f) => f.split(':')[0])).size;
console.log(`\n${ok} of ${services.length} images built and ready`);
process.exit(failures.length > 0 ? 1 : 0);
