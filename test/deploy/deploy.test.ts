// The offline deployment check (scripts/check-deploy/index.ts) passes on the repository as it is, and
// fails on a chart whose probes are gone, on a dev manifest with a field of the wrong type, on a
// skaffold.yaml with a misspelt field and on one that builds an image for the wrong service.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';

const ROOT = path.join(import.meta.dirname, '../..');

function check(...args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/check-deploy/index.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mercato-deploy-test-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('the chart, k8s/dev and skaffold.yaml pass every check', async (t) => {
  const { code, output } = await check();
  t.equal(code, 0, 'check-deploy exits 0', { output });
  t.match(output, /helm lint --strict \(default values\)/);
  t.match(output, /helm template \(values-dev\.yaml\): \d+ objects/);
  t.match(output, /ok {3}kubernetes-models validation of every object/);
  t.match(output, /ok {3}valid against \S*skaffold-v4beta14\.json/);
  t.match(output, /ok {3}one Dockerfile for every service \(ARG SERVICE\), none per service/);
  // Every service that runs as a process, the one added last included.
  const services = fs
    .readdirSync(path.join(ROOT, 'services'))
    .filter((s) => fs.existsSync(path.join(ROOT, 'services', s, 'src', 'server.ts'))).length;
  t.match(
    output,
    new RegExp(`ok {3}one artifact per service \\(${services}\\): Dockerfile with buildArgs SERVICE`),
  );
  t.match(output, /check-deploy: (\d+) of \1 checks passed, 0 failed/);
});

t.test('a chart without readiness probes fails', async (t) => {
  const chart = path.join(tempDir(t), 'mercato');
  fs.cpSync(path.join(ROOT, 'charts/mercato'), chart, { recursive: true });
  const valuesFile = path.join(chart, 'values.yaml');
  const values = fs.readFileSync(valuesFile, 'utf8');
  const broken = values.replace(/^ {4}readiness:\n(?: {6}.*\n)+/m, '');
  t.not(broken, values, 'the readiness probe was removed from the copy');
  fs.writeFileSync(valuesFile, broken);

  const { code, output } = await check('--chart', chart, '--no-promtool');
  t.equal(code, 1, 'check-deploy exits 1', { output });
  t.match(output, /FAIL every container: liveness \+ readiness probes/);
  t.match(output, /Deployment\/mercato-orders\/orders: no readinessProbe/);
});

t.test('a dev manifest with a field of the wrong type fails', async (t) => {
  const dir = tempDir(t);
  fs.cpSync(path.join(ROOT, 'k8s/dev'), dir, { recursive: true });
  const file = path.join(dir, 'postgres.yaml');
  const text = fs.readFileSync(file, 'utf8');
  const broken = text.replace('containerPort: 5432', 'containerPort: "5432"');
  t.not(broken, text);
  fs.writeFileSync(file, broken);

  const { code, output } = await check('--k8s', dir, '--no-promtool');
  t.equal(code, 1, 'check-deploy exits 1', { output });
  t.match(output, /StatefulSet\/postgres \(postgres\.yaml\): .*containerPort must be integer/);
});

t.test('a skaffold.yaml with a misspelt field fails the schema', async (t) => {
  const file = path.join(tempDir(t), 'skaffold.yaml');
  const text = fs.readFileSync(path.join(ROOT, 'skaffold.yaml'), 'utf8');
  const broken = text.replace('localPort: 8080', 'localport: 8080');
  t.not(broken, text);
  fs.writeFileSync(file, broken);

  const { code, output } = await check('--skaffold', file, '--no-promtool');
  t.equal(code, 1, 'check-deploy exits 1', { output });
  t.match(output, /FAIL valid against \S*skaffold-v4beta14\.json/);
  t.match(output, /additionalProperty":"localport"/);
});

t.test('a skaffold artifact built with another service as SERVICE fails', async (t) => {
  const file = path.join(tempDir(t), 'skaffold.yaml');
  const text = fs.readFileSync(path.join(ROOT, 'skaffold.yaml'), 'utf8');
  const broken = text.replace('SERVICE: orders', 'SERVICE: payments');
  t.not(broken, text);
  fs.writeFileSync(file, broken);

  const { code, output } = await check('--skaffold', file, '--no-promtool');
  t.equal(code, 1, 'check-deploy exits 1', { output });
  t.match(output, /FAIL one artifact per service/);
  t.match(output, /mercato\/orders: built with SERVICE payments, the image of another service/);
  t.match(output, /services\/orders is built by no artifact/);
});

t.test("a chart that routes / (the storefront) but lets the gateway's /metrics through fails", async (t) => {
  const chart = path.join(tempDir(t), 'mercato');
  fs.cpSync(path.join(ROOT, 'charts/mercato'), chart, { recursive: true });
  const helpers = path.join(chart, 'templates/_helpers.tpl');
  const text = fs.readFileSync(helpers, 'utf8');
  const broken = text.replace(
    'list "/healthz" "/livez" "/metrics" "/readyz"',
    'list "/healthz" "/livez" "/readyz"',
  );
  t.not(broken, text, '/metrics is no longer kept from the gateway in the copy');
  fs.writeFileSync(helpers, broken);

  const { code, output } = await check('--chart', chart, '--no-promtool');
  t.equal(code, 1, 'check-deploy exits 1', { output });
  t.match(output, /Ingress\/mercato api\.mercato\.example: \/metrics is reachable from outside \(path \/\)/);
  t.match(output, /HTTPRoute\/mercato: \/metrics is reachable from outside \(path \/\)/);
});
