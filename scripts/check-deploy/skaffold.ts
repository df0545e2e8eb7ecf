// skaffold.yaml: valid against the skaffold v4beta14 JSON schema (vendored, ajv), also with each
// profile's patches applied; one artifact per service, each the root Dockerfile with the build
// argument SERVICE, built from the repository root; k8s/dev deployed before the chart with every
// image from the build; port-forwards for the gateway, Grafana, Jaeger, the mail catcher and RabbitMQ
// onto Services that exist; the profiles dev (the Dockerfile's dev stage, file sync) and ci (no
// port-forwards, nothing pushed); the deploy hook that loads the chart's alert rules.
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { type Obj, parseYamlDocs, strip } from './objects.ts';
import { DOCKERFILE, deployableServices, K8S_DEV, RELEASE, rel, repoRoot, SKAFFOLD_SCHEMA } from './repo.ts';
import { begin, expectNone, fail } from './report.ts';

/** The forwards `skaffold dev` must open: Service name -> local port. */
const REQUIRED_FORWARDS: Record<string, number> = {
  [`${RELEASE}-gateway`]: 8080,
  grafana: 3000,
  jaeger: 16686,
  [`${RELEASE}-mail-catcher`]: 1080,
  rabbitmq: 15672,
};

/** RFC 6902 add/replace/remove on a copy, as skaffold applies a profile's patches. */
export function applyPatches(doc: Obj, patches: Obj[]): { doc: Obj; problems: string[] } {
  const out = structuredClone(strip(doc));
  const problems: string[] = [];
  for (const p of patches) {
    const keys = String(p.path ?? '')
      .split('/')
      .slice(1)
      .map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = keys.pop();
    let parent: any = out;
    for (const k of keys) parent = parent?.[Array.isArray(parent) ? Number(k) : k];
    if (parent === null || typeof parent !== 'object' || last === undefined) {
      problems.push(`${p.op} ${p.path}: no such parent`);
      continue;
    }
    const has = Array.isArray(parent) ? Number(last) < parent.length : last in parent;
    if (p.op === 'add') {
      if (Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, p.value);
      else parent[last] = p.value;
    } else if (p.op === 'replace' || p.op === 'remove') {
      if (!has) problems.push(`${p.op} ${p.path}: nothing there`);
      else if (p.op === 'replace') parent[Array.isArray(parent) ? Number(last) : last] = p.value;
      else if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else problems.push(`${p.op} ${p.path}: op not checked here`);
  }
  return { doc: out, problems };
}

/** The stage names of a Dockerfile (FROM ... AS <name>). */
export function dockerfileStages(text: string): string[] {
  return [...text.matchAll(/^FROM\s+(?:--\S+\s+)*\S+(?:\s+AS\s+(\S+))?/gim)]
    .map((m) => m[1] ?? '')
    .filter(Boolean);
}

/** A skaffold sync glob (`*` within a path segment, `**` across segments) as a RegExp. */
export function globToRegExp(glob: string): RegExp {
  const parts = glob.split('/');
  let re = '';
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    if (part === '**') re += last ? '.*' : '(?:[^/]+/)*';
    else re += part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*') + (last ? '' : '/');
  });
  return new RegExp(`^${re}$`);
}

/** How many files of the repository (outside node_modules) a sync glob matches. */
function globMatches(glob: string): number {
  const re = globToRegExp(glob);
  const literal: string[] = [];
  for (const part of glob.split('/')) {
    if (/[*?[]/.test(part)) break;
    literal.push(part);
  }
  const base = path.join(repoRoot, ...literal);
  if (!fs.existsSync(base)) return 0;
  let n = 0;
  for (const f of fs.readdirSync(base, { recursive: true }) as string[]) {
    const relPath = path.relative(repoRoot, path.join(base, f)).split(path.sep).join('/');
    if (!relPath.includes('node_modules/') && re.test(relPath)) n++;
  }
  return n;
}

/** Returns the images skaffold builds (its artifacts). */
export function checkSkaffold(skaffoldFile: string, chartValues: { services: string[] }): Set<string> {
  begin(`skaffold (${rel(skaffoldFile)})`);
  const artifacts = new Set<string>();
  if (!fs.existsSync(skaffoldFile)) {
    fail(`${rel(skaffoldFile)} exists`);
    return artifacts;
  }
  const { docs, errors } = parseYamlDocs(fs.readFileSync(skaffoldFile, 'utf8'), rel(skaffoldFile));
  expectNone(`${docs.length} configs, valid YAML`, errors);

  const schemaFile = SKAFFOLD_SCHEMA;
  let validate: ((d: Obj) => string[]) | undefined;
  if (!fs.existsSync(schemaFile)) fail(`schema ${rel(schemaFile)} exists`);
  else {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const check = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')));
    validate = (d: Obj) =>
      check(strip(d))
        ? []
        : (check.errors ?? []).map(
            (e) =>
              `${d.metadata?.name ?? 'config'}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
          );
    const problems: string[] = [];
    for (const d of docs) {
      problems.push(...validate(d));
      if (d.apiVersion !== 'skaffold/v4beta14')
        problems.push(`${d.metadata?.name}: apiVersion ${d.apiVersion}`);
    }
    expectNone(`valid against ${rel(schemaFile)} (ajv, strict: false, allErrors)`, problems);
  }

  const problems: string[] = [];
  const names = new Set(docs.map((d) => d.metadata?.name));
  for (const d of docs)
    for (const req of d.requires ?? [])
      for (const c of req.configs ?? [])
        if (!req.path && !names.has(c)) problems.push(`requires unknown config ${c}`);

  // One Dockerfile for every image: it declares ARG SERVICE, and no service keeps a copy of its own.
  const dockerfileProblems: string[] = [];
  if (!fs.existsSync(DOCKERFILE)) dockerfileProblems.push(`${rel(DOCKERFILE)} does not exist`);
  else if (!/^ARG\s+SERVICE\b/m.test(fs.readFileSync(DOCKERFILE, 'utf8')))
    dockerfileProblems.push(`${rel(DOCKERFILE)} declares no ARG SERVICE`);
  for (const s of fs.readdirSync(path.join(repoRoot, 'services')))
    if (fs.existsSync(path.join(repoRoot, 'services', s, 'Dockerfile')))
      dockerfileProblems.push(`services/${s}/Dockerfile: a copy; every image builds from ${rel(DOCKERFILE)}`);
  expectNone(`one ${rel(DOCKERFILE)} for every service (ARG SERVICE), none per service`, dockerfileProblems);

  const serviceDirs = deployableServices();
  const builtBy = new Map<string, string[]>();
  for (const d of docs) {
    for (const a of d.build?.artifacts ?? []) {
      artifacts.add(a.image);
      const context = path.resolve(repoRoot, a.context ?? '.');
      const dockerfile = path.resolve(context, a.docker?.dockerfile ?? 'Dockerfile');
      if (context !== repoRoot)
        problems.push(`${a.image}: context ${a.context}, the Dockerfile builds from the repository root`);
      if (dockerfile !== DOCKERFILE)
        problems.push(`${a.image}: dockerfile ${rel(dockerfile)}, not ${rel(DOCKERFILE)}`);
      const service = a.docker?.buildArgs?.SERVICE;
      if (!service) problems.push(`${a.image}: no buildArgs SERVICE`);
      else if (!serviceDirs.includes(service))
        problems.push(`${a.image}: buildArgs SERVICE ${service} is no service with a start script`);
      else {
        if (!String(a.image).endsWith(`/${service}`))
          problems.push(`${a.image}: built with SERVICE ${service}, the image of another service`);
        builtBy.set(service, [...(builtBy.get(service) ?? []), a.image]);
      }
    }
  }
  for (const s of serviceDirs) {
    const images = builtBy.get(s) ?? [];
    if (!images.length) problems.push(`services/${s} is built by no artifact`);
    if (images.length > 1)
      problems.push(`services/${s} is built by ${images.length} artifacts: ${images.join(', ')}`);
  }
  expectNone(
    `one artifact per service (${artifacts.size}): ${rel(DOCKERFILE)} with buildArgs SERVICE, built from the repository root`,
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
  expectNone(
    `deploys k8s/dev first, then ${helmReleases} helm release(s) with every image from the build (configs: ${order.join(' -> ')})`,
    deployProblems,
  );

  checkPortForwards(docs, chartValues.services);
  checkProfiles(docs, validate);
  checkRulesHook(docs);
  return artifacts;
}

/** The Services of k8s/dev with their ports, read from the files (the chart's are mercato-<service>:8080). */
function devServicePorts(chartServices: string[]): Map<string, number[]> {
  const ports = new Map<string, number[]>();
  if (fs.existsSync(K8S_DEV))
    for (const f of fs.readdirSync(K8S_DEV).filter((x) => /\.ya?ml$/.test(x)))
      for (const d of parseYamlDocs(fs.readFileSync(path.join(K8S_DEV, f), 'utf8'), f).docs)
        if (d.kind === 'Service')
          ports.set(
            d.metadata?.name,
            (d.spec?.ports ?? []).map((p: Obj) => p.port),
          );
  for (const s of chartServices) ports.set(`${RELEASE}-${s}`, [8080]);
  return ports;
}

function checkPortForwards(docs: Obj[], chartServices: string[]): void {
  const problems: string[] = [];
  const services = devServicePorts(chartServices);
  const forwards = docs.flatMap((d) => d.portForward ?? []);
  const localPorts = new Map<number, string>();
  for (const pf of forwards) {
    const where = `portForward ${pf.resourceType}/${pf.resourceName}`;
    if (pf.resourceType !== 'service') problems.push(`${where}: forward Services, not pods`);
    const ports = services.get(pf.resourceName);
    if (!ports) problems.push(`${where}: no such Service in k8s/dev or the chart`);
    else if (!ports.includes(pf.port)) problems.push(`${where}: the Service has no port ${pf.port}`);
    if (pf.namespace !== 'mercato') problems.push(`${where}: namespace ${pf.namespace}`);
    const other = localPorts.get(pf.localPort);
    if (other) problems.push(`${where}: localPort ${pf.localPort} also forwarded to ${other}`);
    localPorts.set(pf.localPort, pf.resourceName);
  }
  for (const [name, port] of Object.entries(REQUIRED_FORWARDS))
    if (!forwards.some((pf) => pf.resourceName === name && pf.localPort === port))
      problems.push(`${name} is not forwarded to localhost:${port}`);
  expectNone(
    `port-forwards (${forwards.length}) onto existing Services: ${forwards.map((pf) => `${pf.resourceName} -> :${pf.localPort}`).join(', ')}`,
    problems,
  );
}

/**
 * Each profile applied as skaffold applies it, the result valid against the schema; dev: every
 * artifact builds a stage of the Dockerfile and syncs globs that match sources; ci: no port-forwards,
 * nothing pushed.
 */
function checkProfiles(docs: Obj[], validate: ((d: Obj) => string[]) | undefined): void {
  const dockerfile = fs.existsSync(DOCKERFILE) ? fs.readFileSync(DOCKERFILE, 'utf8') : '';
  const stages = dockerfileStages(dockerfile);
  for (const name of ['dev', 'ci']) {
    const problems: string[] = [];
    const patched: Obj[] = [];
    for (const d of docs) {
      const profile = (d.profiles ?? []).find((p: Obj) => p.name === name);
      if (!profile) {
        problems.push(`config ${d.metadata?.name} has no profile ${name}`);
        continue;
      }
      const r = applyPatches(d, profile.patches ?? []);
      problems.push(...r.problems.map((p) => `${d.metadata?.name}: ${p}`));
      problems.push(...(validate?.(r.doc) ?? []));
      patched.push(r.doc);
    }
    const artifacts = patched.flatMap((d) => d.build?.artifacts ?? []);
    if (name === 'dev') {
      for (const a of artifacts) {
        const target = a.docker?.target;
        if (!target) problems.push(`${a.image}: no docker.target`);
        else if (!stages.includes(target))
          problems.push(
            `${a.image}: docker.target ${target} is no stage of ${rel(DOCKERFILE)} (stages: ${stages.join(', ') || 'none named'})`,
          );
        const rules = a.sync?.manual ?? [];
        const service = a.docker?.buildArgs?.SERVICE;
        if (!rules.some((r: Obj) => String(r.src).startsWith(`services/${service}/src/`)))
          problems.push(`${a.image}: does not sync services/${service}/src`);
        for (const r of rules) {
          if (r.dest !== '/app')
            problems.push(`${a.image}: sync ${r.src} to ${r.dest}, the image's sources are under /app`);
          if (globMatches(String(r.src)) === 0) problems.push(`${a.image}: sync ${r.src} matches no file`);
        }
      }
      const sv = patched.flatMap((d) => d.deploy?.helm?.releases ?? []).map((r: Obj) => r.setValues ?? {});
      if (!sv.some((v: Obj) => String(v['defaults.securityContext.readOnlyRootFilesystem']) === 'false'))
        problems.push('the root filesystem stays read-only: the sync cannot write the sources');
      // the dev image runs node --watch, which never exits: a `migrate` init container would hang
      if (!sv.some((v: Obj) => v['migrations.mode'] === 'startup'))
        problems.push(
          'migrations.mode is not startup: the migrate init container would never finish under node --watch',
        );
    } else {
      if (patched.some((d) => (d.portForward ?? []).length))
        problems.push('port-forwards left in profile ci');
      for (const d of patched.filter((x) => x.build))
        if (d.build.local?.push !== false)
          problems.push(`${d.metadata?.name}: build.local.push is not false`);
    }
    expectNone(
      name === 'dev'
        ? `profile dev: valid once patched; ${artifacts.length} artifacts build the Dockerfile's stage dev and sync their sources to /app; migrations at start`
        : `profile ci: valid once patched; no port-forwards, images not pushed (loaded into kind)`,
      problems,
    );
  }
}

/** The hook that gives the dev Prometheus the chart's alert rules names files that exist. */
function checkRulesHook(docs: Obj[]): void {
  const problems: string[] = [];
  const hooks = docs.flatMap((d) => [
    ...(d.deploy?.helm?.hooks?.after ?? []),
    ...(d.deploy?.helm?.hooks?.before ?? []),
  ]);
  const cmd = hooks
    .map((h: Obj) => (h.host?.command ?? []).join(' '))
    .find((c: string) => c.includes('prometheusrule'));
  if (!cmd) problems.push('no deploy hook renders the chart PrometheusRule for the dev Prometheus');
  else {
    for (const f of [
      'charts/mercato/templates/prometheusrule.yaml',
      'charts/mercato/values-dev.yaml',
      'k8s/prometheus-rules.ts',
    ]) {
      const inCmd = f.startsWith('charts/mercato/templates/') ? f.replace('charts/mercato/', '') : f;
      if (!cmd.includes(inCmd)) problems.push(`the hook does not name ${inCmd}`);
      if (!fs.existsSync(path.join(repoRoot, f))) problems.push(`${f} does not exist`);
    }
    if (!cmd.includes('metrics.prometheusRule.enabled=true'))
      problems.push('the hook renders the rules disabled');
  }
  expectNone(
    "a deploy hook loads the chart's PrometheusRule into the dev Prometheus (k8s/prometheus-rules.ts)",
    problems,
  );
}
