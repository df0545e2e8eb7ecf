// The compose `seed` service: waits until the gateway and the services the demo catalog goes to
// (identity for the admin login, catalog, inventory) are ready, then runs scripts/seed.ts once — the
// same seeding as `npm start`, skipped when the catalog already has products. The wait is here, not
// only in compose's depends_on, because podman-compose starts containers without waiting for health;
// seeding before every service answers would create the books and then find no store to stock.
import { seedDemoCatalog } from './seed.ts';

const gatewayUrl = process.env.GATEWAY_URL ?? 'http://gateway:8080';
const ready = [
  `${gatewayUrl}/readyz`,
  'http://identity:8080/readyz',
  'http://catalog:8080/readyz',
  'http://inventory:8080/readyz',
];
const deadline = Date.now() + Number(process.env.SEED_WAIT_MS ?? 300_000);

const answers = async (url) => {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(3_000) })).ok;
  } catch {
    return false;
  }
};

for (;;) {
  const waiting = [];
  for (const url of ready) if (!(await answers(url))) waiting.push(url);
  if (waiting.length === 0) break;
  if (Date.now() > deadline) {
    console.error(`seed: still not ready, giving up: ${waiting.join(', ')}`);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 2_000));
}

await seedDemoCatalog({
  gatewayUrl,
  adminEmail: process.env.MERCATO_ADMIN_EMAIL ?? 'admin@mercato.local',
  adminPassword: process.env.MERCATO_ADMIN_PASSWORD ?? 'Mercato-Admin-2026!',
  log: (line) => console.log(line),
});
console.log('seed: done');
