// The dev cluster's plain manifests (k8s/dev): valid objects in one namespace, probes and resources,
// Services that select workloads, the infrastructure the services need, the connection URLs of
// values-dev.yaml pointing at these Services (telemetry through the collector, mail to the mail
// catcher), and the observability stack's own configuration: the collector's and Jaeger's pipelines,
// Prometheus's (promtool check config, with the chart's rules as the dev cluster loads them, and its
// relabelling applied to the chart's pods), Grafana's data sources and the chart's dashboards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { RULES_CONFIGMAP, RULES_LABEL, rulesConfigMap } from '../../k8s/prometheus-rules.ts';
import { commandExists, run } from './exec.ts';
import { obtainHelm, type Rendered, template } from './helm.ts';
import { id, matches, type Obj, parseYamlDocs, WORKLOADS } from './objects.ts';
import { workloadContainerProblems } from './policy.ts';
import { NAMESPACE, RELEASE, rel, repoRoot } from './repo.ts';
import { begin, expectNone, fail, note } from './report.ts';
import { unknownFields, validateSchemas } from './schemas.ts';

/** What the dev cluster must run (by app.kubernetes.io/name). */
const DEV_WORKLOADS = [
  'postgres',
  'rabbitmq',
  'redis',
  'otel-collector',
  'jaeger',
  'prometheus',
  'grafana',
  'kube-state-metrics',
];

/** `renders`: the chart's renderings, whose values-dev.yaml one must reach these Services. */
export async function checkDevManifests(k8sDir: string, renders: Rendered[]): Promise<Obj[]> {
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

  expectNone(
    `k8s/dev runs ${DEV_WORKLOADS.join(', ')}`,
    DEV_WORKLOADS.filter(
      (want) => !workloads.some((w) => w.metadata.labels?.['app.kubernetes.io/name'] === want),
    ).map((w) => `no workload ${w}`),
  );

  // values-dev.yaml points at these Services
  const dev = renders.find((r) => r.profile === 'dev');
  if (dev) {
    const problems: string[] = [];
    const services = docs.filter((d) => d.kind === 'Service');
    const urls: [string, string][] = [];
    for (const s of dev.docs.filter((d) => d.kind === 'Secret'))
      for (const k of ['DATABASE_URL', 'MIGRATION_DATABASE_URL', 'AMQP_URL', 'REDIS_URL'])
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
    const otlp = urls.find(([k]) => k === 'OTEL_EXPORTER_OTLP_ENDPOINT');
    if (otlp && new URL(otlp[1]).hostname.split('.')[0] !== 'otel-collector')
      problems.push(`OTEL_EXPORTER_OTLP_ENDPOINT=${otlp[1]}: not the collector (otel-collector)`);
    expectNone(
      "values-dev.yaml's connection URLs point at these Services (telemetry through otel-collector)",
      problems,
    );
    checkMailCatcher(dev);
    checkDevNetworkPolicies(dev, workloads);
  }
  checkCollector(docs);
  checkJaeger(docs);
  await checkPrometheus(docs, dev);
  checkGrafana(docs, dev);
  return docs;
}

const configMapData = (docs: Obj[], name: string, key: string): Obj | undefined => {
  const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata?.name === name);
  const text = cm?.data?.[key];
  return typeof text === 'string' ? parse(text) : undefined;
};
const podOf = (docs: Obj[], name: string): Obj | undefined =>
  docs.find((d) => WORKLOADS.has(d.kind) && d.metadata?.name === name)?.spec?.template;
/** host:port of a URL or a bare endpoint names a Service of `docs` with that port. */
function reaches(docs: Obj[], endpoint: string): string | undefined {
  const m = /^(?:[a-z]+:\/\/)?([^:/]+):(\d+)/.exec(endpoint);
  if (!m) return `${endpoint}: no host:port`;
  const svc = docs.find((d) => d.kind === 'Service' && d.metadata?.name === m[1]!.split('.')[0]);
  if (!svc) return `${endpoint}: no Service ${m[1]}`;
  if (!(svc.spec?.ports ?? []).some((p: Obj) => p.port === Number(m[2])))
    return `${endpoint}: Service ${m[1]} has no port ${m[2]}`;
  return undefined;
}

/** An OpenTelemetry Collector configuration: every pipeline names components that are defined. */
function pipelineProblems(cfg: Obj | undefined, where: string): string[] {
  if (!cfg) return [`${where}: no configuration`];
  const problems: string[] = [];
  const defined = (kind: string, name: string) => Object.hasOwn(cfg[kind] ?? {}, name);
  const pipelines = cfg.service?.pipelines ?? {};
  if (!Object.keys(pipelines).length) problems.push(`${where}: no pipelines`);
  for (const [pname, p] of Object.entries<Obj>(pipelines)) {
    for (const r of p.receivers ?? [])
      if (!defined('receivers', r) && !defined('connectors', r))
        problems.push(`${where}: ${pname} receiver ${r} undefined`);
    for (const x of p.processors ?? [])
      if (!defined('processors', x)) problems.push(`${where}: ${pname} processor ${x} undefined`);
    for (const e of p.exporters ?? [])
      if (!defined('exporters', e) && !defined('connectors', e))
        problems.push(`${where}: ${pname} exporter ${e} undefined`);
    if (!(p.receivers ?? []).length || !(p.exporters ?? []).length)
      problems.push(`${where}: ${pname} needs receivers and exporters`);
  }
  // a connector joins two pipelines: the exporter of one, the receiver of another
  for (const c of Object.keys(cfg.connectors ?? {})) {
    const asExporter = Object.values<Obj>(pipelines).some((p) => (p.exporters ?? []).includes(c));
    const asReceiver = Object.values<Obj>(pipelines).some((p) => (p.receivers ?? []).includes(c));
    if (!asExporter || !asReceiver)
      problems.push(`${where}: connector ${c} must be an exporter and a receiver`);
  }
  for (const e of cfg.service?.extensions ?? [])
    if (!defined('extensions', e)) problems.push(`${where}: extension ${e} undefined`);
  return problems;
}

function checkCollector(docs: Obj[]): void {
  const cfg = configMapData(docs, 'otel-collector', 'config.yaml');
  const problems = pipelineProblems(cfg, 'otel-collector');
  if (cfg) {
    const p = cfg.service?.pipelines ?? {};
    const traceExporters: string[] = p.traces?.exporters ?? [];
    const toJaeger = traceExporters
      .filter((e) => e.startsWith('otlp'))
      .map((e) => cfg.exporters?.[e]?.endpoint);
    if (!toJaeger.some((e) => typeof e === 'string' && /^(?:http:\/\/)?jaeger:/.test(e)))
      problems.push('traces are not exported to jaeger over OTLP');
    for (const e of toJaeger) {
      const why = typeof e === 'string' ? reaches(docs, e) : 'an OTLP exporter without endpoint';
      if (why) problems.push(why);
    }
    const prom = cfg.exporters?.prometheus?.endpoint;
    if (!(p.metrics?.exporters ?? []).includes('prometheus') || typeof prom !== 'string')
      problems.push('metrics are not exported for Prometheus to scrape');
    else {
      const port = prom.split(':').pop();
      const ann = podOf(docs, 'otel-collector')?.metadata?.annotations ?? {};
      if (ann['prometheus.io/scrape'] !== 'true' || ann['prometheus.io/port'] !== port)
        problems.push(`the collector's pod is not annotated for Prometheus to scrape port ${port}`);
    }
    const http = cfg.receivers?.otlp?.protocols?.http?.endpoint;
    if (typeof http !== 'string' || !http.endsWith(':4318')) problems.push('no OTLP/HTTP receiver on :4318');
  }
  const image = podOf(docs, 'otel-collector')?.spec?.containers?.[0]?.image ?? '';
  if (!/^otel\/opentelemetry-collector(-contrib)?:\d+\.\d+\.\d+$/.test(image))
    problems.push(`collector image ${image}: not a pinned otel/opentelemetry-collector(-contrib) release`);
  expectNone(
    'otel-collector: pipelines name defined components; traces -> jaeger (OTLP), span metrics -> Prometheus; pinned image',
    problems,
  );
}

function checkJaeger(docs: Obj[]): void {
  const cfg = configMapData(docs, 'jaeger', 'config.yaml');
  const problems = pipelineProblems(cfg, 'jaeger');
  const image = podOf(docs, 'jaeger')?.spec?.containers?.[0]?.image ?? '';
  if (!/^jaegertracing\/jaeger:2\.\d+\.\d+$/.test(image))
    problems.push(`image ${image}: not a pinned Jaeger v2`);
  if (cfg) {
    const backends = Object.keys(cfg.extensions?.jaeger_storage?.backends ?? {});
    const query = cfg.extensions?.jaeger_query?.storage?.traces;
    if (!backends.includes(query)) problems.push(`jaeger_query reads ${query}, not a jaeger_storage backend`);
    const written = cfg.exporters?.jaeger_storage_exporter?.trace_storage;
    if (written !== query) problems.push(`traces are written to ${written} but read from ${query}`);
    const uiPort = String(cfg.extensions?.jaeger_query?.http?.endpoint ?? ':16686')
      .split(':')
      .pop();
    if (reaches(docs, `jaeger:${uiPort}`))
      problems.push(`the UI port ${uiPort} is not on the Service jaeger`);
  }
  expectNone(
    'jaeger (v2): pipelines name defined components, the UI reads the store the exporter writes',
    problems,
  );
}

/** Prometheus relabelling (replace, keep, drop) of one target's labels; undefined when dropped. */
export function relabel(labels: Record<string, string>, rules: Obj[]): Record<string, string> | undefined {
  const out = { ...labels };
  for (const r of rules) {
    const value = (r.source_labels ?? []).map((l: string) => out[l] ?? '').join(r.separator ?? ';');
    const re = new RegExp(`^(?:${r.regex ?? '(.*)'})$`);
    const m = re.exec(value);
    const action = r.action ?? 'replace';
    if (action === 'keep' && !m) return undefined;
    if (action === 'drop' && m) return undefined;
    if (action === 'replace' && m)
      out[r.target_label] = String(r.replacement ?? '$1').replace(
        /\$\{?(\d+)\}?/g,
        (_, i) => m[Number(i)] ?? '',
      );
  }
  return out;
}
const metaName = (s: string) => s.replace(/[^a-zA-Z0-9_]/g, '_');

async function checkPrometheus(docs: Obj[], dev: Rendered | undefined): Promise<void> {
  const cfg = configMapData(docs, 'prometheus', 'prometheus.yml');
  const problems: string[] = [];
  if (!cfg) {
    fail('prometheus: ConfigMap prometheus with prometheus.yml');
    return;
  }
  // The chart's pods, as the pod role of kubernetes_sd_configs sees them.
  const pods = (dev?.docs ?? []).filter((d) => d.kind === 'Deployment');
  const job = (cfg.scrape_configs ?? []).find((j: Obj) => j.job_name === 'pods');
  if (!job) problems.push('no scrape job pods');
  else
    for (const d of pods) {
      const t = d.spec.template;
      const meta: Record<string, string> = {
        __address__: '10.0.0.1',
        __meta_kubernetes_namespace: NAMESPACE,
        __meta_kubernetes_pod_name: `${d.metadata.name}-abc`,
        __meta_kubernetes_pod_ip: '10.0.0.1',
        __meta_kubernetes_pod_phase: 'Running',
      };
      for (const [k, v] of Object.entries<string>(t.metadata?.labels ?? {}))
        meta[`__meta_kubernetes_pod_label_${metaName(k)}`] = v;
      for (const [k, v] of Object.entries<string>(t.metadata?.annotations ?? {}))
        meta[`__meta_kubernetes_pod_annotation_${metaName(k)}`] = v;
      const target = relabel(meta, job.relabel_configs ?? []);
      const name = t.metadata?.labels?.['app.kubernetes.io/name'];
      if (!target) {
        problems.push(`${id(d)}: not scraped`);
        continue;
      }
      // what the chart's alerts select: namespace="mercato", job=~"mercato-.+"
      if (target.job !== `${RELEASE}-${name}`)
        problems.push(`${id(d)}: job ${target.job}, not ${RELEASE}-${name}`);
      if (target.namespace !== NAMESPACE) problems.push(`${id(d)}: namespace label ${target.namespace}`);
      const port = Number(target.__address__?.split(':').pop());
      const declared = t.spec.containers.flatMap((c: Obj) =>
        (c.ports ?? []).map((p: Obj) => p.containerPort),
      );
      if (!declared.includes(port))
        problems.push(`${id(d)}: scraped on port ${port}, which no container declares`);
      if ((target.__metrics_path__ ?? '/metrics') !== '/metrics')
        problems.push(`${id(d)}: path ${target.__metrics_path__}`);
    }
  if (!(cfg.rule_files ?? []).some((f: string) => f.startsWith('/etc/prometheus/rules/')))
    problems.push('rule_files does not load /etc/prometheus/rules');
  const pod = podOf(docs, 'prometheus');
  const sidecar = (pod?.spec?.containers ?? []).find((c: Obj) =>
    (c.env ?? []).some((e: Obj) => e.name === 'FOLDER' && e.value === '/etc/prometheus/rules'),
  );
  const env = Object.fromEntries((sidecar?.env ?? []).map((e: Obj) => [e.name, e.value]));
  const [label, value] = Object.entries(RULES_LABEL)[0]!;
  if (!sidecar) problems.push('no rules sidecar writing /etc/prometheus/rules');
  else if (env.LABEL !== label || env.LABEL_VALUE !== value)
    problems.push(
      `the rules sidecar watches ${env.LABEL}=${env.LABEL_VALUE}, k8s/prometheus-rules.ts labels ${label}=${value}`,
    );
  if (!(pod?.spec?.containers ?? []).some((c: Obj) => (c.args ?? []).includes('--web.enable-lifecycle')))
    problems.push('Prometheus without --web.enable-lifecycle: the sidecar cannot reload it');
  expectNone(
    `prometheus: every chart pod (${pods.length}) scraped as job ${RELEASE}-<service> on a declared port; rules sidecar on ${label}=${value}`,
    problems,
  );

  // promtool check config with the rules exactly as skaffold's hook renders them
  const rulesProblems: string[] = [];
  let rulesFile: Obj | undefined;
  try {
    const helm = await obtainHelm();
    const r = template(helm, path.join(repoRoot, 'charts/mercato'), [
      '-f',
      path.join(repoRoot, 'charts/mercato/values-dev.yaml'),
      '--set',
      'metrics.prometheusRule.enabled=true',
      '--show-only',
      'templates/prometheusrule.yaml',
    ]);
    if (!r.ok) rulesProblems.push(r.stderr);
    else rulesFile = rulesConfigMap(r.docs.find((d) => d.kind === 'PrometheusRule') ?? {});
  } catch (err) {
    rulesProblems.push((err as Error).message);
  }
  const promtool = findPromtool();
  if (!rulesFile || rulesProblems.length) {
    fail(`prometheus: the chart's rules render into ${RULES_CONFIGMAP}`, rulesProblems.join('\n'));
    return;
  }
  if (!promtool) {
    note(
      'promtool not found yet (promtool.ts fetches it later): prometheus.yml checked by the checks above only',
    );
    expectNone('prometheus.yml parses, rules ConfigMap rendered', []);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mercato-prometheus-'));
  try {
    const [key, text] = Object.entries<string>(rulesFile.data)[0]!;
    fs.writeFileSync(path.join(dir, key), text);
    // Debian's promtool is built without Kubernetes discovery ("field kubernetes_sd_configs not
    // found"): each kubernetes_sd_configs is checked here and handed to promtool as a static target,
    // so that everything else (relabelling, rule files, the rules themselves) is Prometheus's own check.
    const sdProblems: string[] = [];
    const scrapeConfigs = (cfg.scrape_configs ?? []).map((j: Obj) => {
      if (!j.kubernetes_sd_configs) return j;
      for (const sd of j.kubernetes_sd_configs)
        if (
          !['pod', 'service', 'endpoints', 'endpointslice', 'node', 'ingress'].includes(sd.role) ||
          !(sd.namespaces?.names ?? []).every((n: string) => n === NAMESPACE)
        )
          sdProblems.push(
            `${j.job_name}: kubernetes_sd_configs role ${sd.role}, namespaces ${sd.namespaces?.names}`,
          );
      const { kubernetes_sd_configs: _sd, ...rest } = j;
      return { ...rest, static_configs: [{ targets: ['localhost:9'] }] };
    });
    fs.writeFileSync(
      path.join(dir, 'prometheus.yml'),
      stringify({ ...cfg, scrape_configs: scrapeConfigs, rule_files: [path.join(dir, '*.yaml')] }),
    );
    const c = run(promtool, ['check', 'config', path.join(dir, 'prometheus.yml')]);
    const rules = /SUCCESS: (\d+) rules found/.exec(c.stdout)?.[1];
    expectNone(
      `promtool check config: prometheus.yml with the chart's rules as skaffold loads them (${rules ?? '?'} rules; Kubernetes discovery checked here)`,
      [...sdProblems, ...(c.ok ? [] : [(c.stdout + c.stderr).trim()])],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** promtool as promtool.ts finds it: $PROMTOOL, PATH, or its cache of Debian's package. */
function findPromtool(): string | undefined {
  if (process.env.PROMTOOL) return process.env.PROMTOOL;
  if (commandExists('promtool')) return 'promtool';
  const cached = path.join(repoRoot, 'node_modules/.cache/mercato-promtool/root/usr/bin/promtool');
  return fs.existsSync(cached) ? cached : undefined;
}

function checkGrafana(docs: Obj[], dev: Rendered | undefined): void {
  const problems: string[] = [];
  const ds = configMapData(docs, 'grafana-provisioning', 'datasources.yaml');
  const byType = (t: string) => (ds?.datasources ?? []).find((d: Obj) => d.type === t);
  for (const t of ['prometheus', 'jaeger']) {
    const d = byType(t);
    if (!d) problems.push(`no ${t} data source`);
    else {
      const why = reaches(docs, d.url);
      if (why) problems.push(`${t} data source: ${why}`);
    }
  }
  const providers = configMapData(docs, 'grafana-provisioning', 'dashboards.yaml')?.providers ?? [];
  const pod = podOf(docs, 'grafana');
  const containers: Obj[] = pod?.spec?.containers ?? [];
  const sidecar = containers.find((c) => (c.env ?? []).some((e: Obj) => e.name === 'LABEL'));
  const env = Object.fromEntries((sidecar?.env ?? []).map((e: Obj) => [e.name, e.value]));
  if (!sidecar) problems.push('no dashboards sidecar');
  else if (!providers.some((p: Obj) => p.options?.path === env.FOLDER))
    problems.push(`no dashboard provider reads ${env.FOLDER}, where the sidecar writes`);
  // the same volume in both containers
  const vol = (c: Obj | undefined) =>
    (c?.volumeMounts ?? []).find((m: Obj) => m.mountPath === env.FOLDER)?.name;
  const grafana = containers.find((c) => c !== sidecar);
  if (sidecar && (!vol(sidecar) || vol(sidecar) !== vol(grafana)))
    problems.push(`grafana and its sidecar do not share ${env.FOLDER}`);
  // every dashboard of the chart reaches Grafana through a ConfigMap the sidecar picks up
  const files = fs
    .readdirSync(path.join(repoRoot, 'charts/mercato/dashboards'))
    .filter((f) => f.endsWith('.json'));
  const picked = (dev?.docs ?? []).filter(
    (d) => d.kind === 'ConfigMap' && sidecar && d.metadata?.labels?.[env.LABEL] === env.LABEL_VALUE,
  );
  for (const f of files)
    if (!picked.some((cm) => Object.hasOwn(cm.data ?? {}, f)))
      problems.push(
        `charts/mercato/dashboards/${f}: in no ConfigMap labelled ${env.LABEL}=${env.LABEL_VALUE} (values-dev)`,
      );
  const folderAnnotation = env.FOLDER_ANNOTATION;
  if (folderAnnotation && picked.some((cm) => !cm.metadata?.annotations?.[folderAnnotation]))
    note(`a dashboard ConfigMap has no ${folderAnnotation} annotation: it lands in the General folder`);
  expectNone(
    `grafana: Prometheus and Jaeger data sources on k8s/dev Services; the chart's ${files.length} dashboards picked up by the sidecar (${env.LABEL}=${env.LABEL_VALUE})`,
    problems,
  );
}

/** notifications sends to the chart's mail catcher, on a port its Service has, without TLS. */
function checkMailCatcher(dev: Rendered): void {
  const problems: string[] = [];
  const n = dev.docs.find((d) => d.kind === 'Deployment' && d.metadata?.name === `${RELEASE}-notifications`);
  const env = Object.fromEntries(
    (n?.spec?.template?.spec?.containers?.[0]?.env ?? []).map((e: Obj) => [e.name, e.value]),
  );
  const svc = dev.docs.find((d) => d.kind === 'Service' && d.metadata?.name === env.SMTP_HOST);
  if (!n) problems.push(`no Deployment ${RELEASE}-notifications`);
  else if (env.SMTP_HOST !== `${RELEASE}-mail-catcher`)
    problems.push(`SMTP_HOST=${env.SMTP_HOST}, not the mail catcher`);
  else if (!svc) problems.push(`no Service ${env.SMTP_HOST}`);
  else if (!(svc.spec?.ports ?? []).some((p: Obj) => String(p.port) === String(env.SMTP_PORT)))
    problems.push(`Service ${env.SMTP_HOST} has no port ${env.SMTP_PORT}`);
  if (n && env.SMTP_SECURITY !== 'none')
    problems.push(`SMTP_SECURITY=${env.SMTP_SECURITY}: the mail catcher speaks plain SMTP`);
  const catcher = dev.docs.find(
    (d) => d.kind === 'Deployment' && d.metadata?.name === `${RELEASE}-mail-catcher`,
  );
  const catcherEnv = Object.fromEntries(
    (catcher?.spec?.template?.spec?.containers?.[0]?.env ?? []).map((e: Obj) => [e.name, e.value]),
  );
  if (catcher && String(catcherEnv.SMTP_PORT) !== String(env.SMTP_PORT))
    problems.push(
      `the mail catcher listens on ${catcherEnv.SMTP_PORT}, notifications sends to ${env.SMTP_PORT}`,
    );
  expectNone(
    `values-dev.yaml: notifications sends to the mail catcher (${env.SMTP_HOST}:${env.SMTP_PORT}, no TLS)`,
    problems,
  );
}

/** The chart's NetworkPolicies let the dev Prometheus scrape and the services reach the collector. */
function checkDevNetworkPolicies(dev: Rendered, workloads: Obj[]): void {
  const problems: string[] = [];
  const labels = (name: string) =>
    workloads.find((w) => w.metadata?.labels?.['app.kubernetes.io/name'] === name)?.spec?.template?.metadata
      ?.labels;
  const prometheus = labels('prometheus');
  const collector = labels('otel-collector');
  const nsLabels = { 'kubernetes.io/metadata.name': NAMESPACE };
  const peerMatches = (peer: Obj, podLabels: Obj | undefined) =>
    (!peer.namespaceSelector || matches(peer.namespaceSelector, nsLabels)) &&
    (!peer.podSelector || matches(peer.podSelector, podLabels));
  for (const np of dev.docs.filter((d) => d.kind === 'NetworkPolicy')) {
    const ingress: Obj[] = np.spec?.ingress ?? [];
    if (!ingress.some((r) => (r.from ?? []).some((p: Obj) => peerMatches(p, prometheus))))
      problems.push(`${id(np)}: Prometheus of k8s/dev may not scrape`);
  }
  const withOtlp = dev.docs.filter(
    (d) =>
      d.kind === 'Deployment' &&
      (d.spec.template.spec.containers[0]?.env ?? []).some(
        (e: Obj) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT',
      ),
  );
  for (const d of withOtlp) {
    const np = dev.docs.find(
      (x) => x.kind === 'NetworkPolicy' && matches(x.spec?.podSelector, d.spec.template.metadata.labels),
    );
    if (!np) continue;
    const ok = (np.spec?.egress ?? []).some(
      (r: Obj) =>
        (r.ports ?? []).some((p: Obj) => p.port === 4318) &&
        (!(r.to ?? []).length || (r.to ?? []).some((p: Obj) => peerMatches(p, collector))),
    );
    if (!ok) problems.push(`${id(np)}: ${id(d)} may not reach otel-collector:4318`);
  }
  expectNone(
    `values-dev.yaml NetworkPolicies: Prometheus (k8s/dev) scrapes every service, ${withOtlp.length} services reach otel-collector:4318`,
    problems,
  );
}
