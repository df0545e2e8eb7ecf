// The policies on the rendered chart: workloads for every service, probes, resources, non-root,
// labels, graceful shutdown, read-only root filesystem, images = skaffold artifacts, environment,
// shipping and its carrier, Services, autoscalers, disruption budgets, network policies, Ingress,
// Secrets, migrations (init containers), one ServiceAccount per service, only the API's prefixes
// through the Ingress/HTTPRoute, monitoring.
import fs from 'node:fs';
import path from 'node:path';
import { checkCarrier } from './carrier.ts';
import { checkEnvironment } from './environment.ts';
import type { Rendered } from './helm.ts';
import { checkMonitoring } from './monitoring.ts';
import { checkNetworkPolicies } from './network-policy.ts';
import { id, matches, type Obj, parseYamlDocs, quantity, WORKLOADS } from './objects.ts';
import {
  deployableServices,
  KIT_SHUTDOWN_SECONDS,
  NAMESPACE,
  RELEASE,
  rel,
  STANDARD_LABELS,
} from './repo.ts';
import { begin, expectNone, note, pass } from './report.ts';
import { unknownFields, validateSchemas, vendoredCrds } from './schemas.ts';

/** Probes, resources (requests <= limits) and, for the chart, a numeric non-root user. */
export function workloadContainerProblems(o: Obj, opts: { requireNonRoot: boolean }): string[] {
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

/** Every policy on one rendering; returns the dashboards' PromQL (see checkMonitoring). */
export async function checkRendered(r: Rendered, artifacts: Set<string>): Promise<string[]> {
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
  const serviceDirs = deployableServices();
  const deployed = new Set(deployments.map((d) => d.metadata.labels?.['app.kubernetes.io/name']));
  // The development stand-ins (test-double) run with values-dev only.
  const devOnly = ['fake-payment-provider', 'mail-catcher', 'fake-carrier'];
  const expected = serviceDirs.filter((s) => !devOnly.includes(s) || r.profile === 'dev');
  expectNone(
    `a Deployment for every service (${expected.join(', ')})`,
    expected.filter((s) => !deployed.has(s)).map((s) => `services/${s} has no Deployment`),
  );
  if (r.profile !== 'dev')
    expectNone(
      `the development stand-ins (${devOnly.join(', ')}) are off by default`,
      devOnly.filter((s) => deployed.has(s)).map((s) => `${s} is deployed with the default values`),
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
          fsProblems.push(`${where}: read-only root filesystem without an emptyDir at /tmp`);
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
      const ok =
        r.profile === 'dev'
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
  checkCarrier(docs);

  // Services, autoscalers, budgets
  const podLabelsOf = deployments.map((d) => ({ d, labels: d.spec.template.metadata.labels }));
  const serviceProblems: string[] = [];
  const unrouted = unroutedServices(docs);
  for (const s of services) {
    if (unrouted.has(s.metadata.name)) continue; // no endpoints, on purpose (checkPublicRoutes)
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
  if (r.profile !== 'dev') {
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
  if (r.profile !== 'dev') {
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
        else if (unrouted.has(svc.metadata.name)) {
          if (!INTERNAL_PATHS.includes(p.path))
            ingressProblems.push(`${id(i)}: ${p.path} goes to ${backend.name}, which has no endpoints`);
        } else {
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

  checkMigrations(r, deployments);
  checkServiceAccounts(docs, deployments);
  await checkPublicRoutes(r, deployments);
  const kept = byKind('Secret').filter(
    (x) => x.metadata?.annotations?.['helm.sh/resource-policy'] === 'keep',
  );
  expectNone(
    `the chart's Secret (when rendered) is kept by helm (helm.sh/resource-policy: keep)`,
    byKind('Secret')
      .filter((x) => !kept.includes(x))
      .map((x) => `${id(x)}: no helm.sh/resource-policy: keep (an uninstall would delete the signing key)`),
  );

  return checkMonitoring(r, services);
}

const envOf = (c: Obj, name: string): Obj | undefined => (c.env ?? []).find((e: Obj) => e.name === name);

/**
 * Every Deployment with a database migrates in an init container `migrate`: the same image and
 * command, DATABASE_MIGRATIONS=only, DATABASE_URL from a *MIGRATION_DATABASE_URL key, the runtime
 * role named, the same security context; the service itself runs with DATABASE_MIGRATIONS=off. A
 * Deployment without DATABASE_MIGRATIONS (migrations.mode=startup) has no init container.
 */
function checkMigrations(r: Rendered, deployments: Obj[]): void {
  const problems: string[] = [];
  let migrating = 0;
  for (const d of deployments) {
    const pod = d.spec.template.spec;
    const main = pod.containers[0];
    if (!envOf(main, 'DATABASE_URL')) {
      if ((pod.initContainers ?? []).length) problems.push(`${id(d)}: init containers without a database`);
      continue;
    }
    const mode = envOf(main, 'DATABASE_MIGRATIONS')?.value ?? 'startup';
    const init = (pod.initContainers ?? []).find((c: Obj) => c.name === 'migrate');
    if (mode === 'startup') {
      if (init) problems.push(`${id(d)}: a migrate init container although the service migrates at start`);
      if (r.profile !== 'dev') problems.push(`${id(d)}: migrates at start-up (its role needs DDL rights)`);
      continue;
    }
    if (mode !== 'off') {
      problems.push(`${id(d)}: DATABASE_MIGRATIONS=${mode} in the service container (want off)`);
      continue;
    }
    if (!init) {
      problems.push(`${id(d)}: DATABASE_MIGRATIONS=off but no init container migrate`);
      continue;
    }
    migrating++;
    if (init.image !== main.image) problems.push(`${id(d)}/migrate: image ${init.image}, not ${main.image}`);
    if (JSON.stringify([init.command, init.args]) !== JSON.stringify([main.command, main.args]))
      problems.push(`${id(d)}/migrate: not the service's command`);
    if (envOf(init, 'DATABASE_MIGRATIONS')?.value !== 'only')
      problems.push(`${id(d)}/migrate: DATABASE_MIGRATIONS is not only`);
    const key = envOf(init, 'DATABASE_URL')?.valueFrom?.secretKeyRef?.key ?? '';
    if (!key.endsWith('MIGRATION_DATABASE_URL'))
      problems.push(
        `${id(d)}/migrate: DATABASE_URL from key ${key || '(none)'}, not *MIGRATION_DATABASE_URL`,
      );
    if (envOf(main, 'DATABASE_URL')?.valueFrom?.secretKeyRef?.key === key)
      problems.push(`${id(d)}: the service and its migrations use the same database credential`);
    if (r.profile !== 'dev' && !envOf(init, 'DATABASE_RUNTIME_ROLE')?.value)
      problems.push(`${id(d)}/migrate: no DATABASE_RUNTIME_ROLE to grant`);
    if (JSON.stringify(init.securityContext) !== JSON.stringify(main.securityContext))
      problems.push(`${id(d)}/migrate: a security context other than the service's`);
    if (!init.resources?.limits?.memory) problems.push(`${id(d)}/migrate: no resource limits`);
  }
  if (r.profile === 'default' && migrating === 0)
    problems.push('no Deployment migrates in an init container');
  expectNone(
    `migrations: an init container migrate per service with a database (${migrating}), services with DATABASE_MIGRATIONS=off`,
    problems,
  );
}

/** One ServiceAccount per service, rendered, without an API token, so identities bind per service. */
function checkServiceAccounts(docs: Obj[], deployments: Obj[]): void {
  const accounts = docs.filter((d) => d.kind === 'ServiceAccount');
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const d of deployments) {
    const pod = d.spec.template.spec;
    const sa = pod.serviceAccountName;
    if (!sa || sa === 'default') {
      problems.push(`${id(d)}: runs as the namespace's default ServiceAccount`);
      continue;
    }
    if (seen.has(sa)) problems.push(`${id(d)}: shares ServiceAccount ${sa} with ${seen.get(sa)}`);
    seen.set(sa, id(d));
    const account = accounts.find((a) => a.metadata.name === sa);
    if (!account) problems.push(`${id(d)}: ServiceAccount ${sa} is not rendered`);
    else if (account.automountServiceAccountToken !== false)
      problems.push(`ServiceAccount/${sa}: automountServiceAccountToken is not false`);
    if (pod.automountServiceAccountToken !== false) problems.push(`${id(d)}: mounts an API token`);
  }
  expectNone(`a ServiceAccount per service (${seen.size}), no API token mounted`, problems);
}

// Paths of the gateway that must not be reachable from outside ('/' only while no storefront is deployed).
const OPERATIONAL_PATHS = ['/', '/metrics', '/readyz', '/healthz', '/livez', '/docs', '/docs/json'];
// The gateway's own endpoints: with `/` routed (the storefront), the chart sends them elsewhere.
const INTERNAL_PATHS = ['/metrics', '/readyz', '/healthz', '/livez', '/docs'];

/**
 * Services without a selector that Ingresses send only the gateway's own endpoints to: no endpoints
 * on purpose (the chart's <release>-unrouted), so the controller answers those paths itself.
 */
function unroutedServices(docs: Obj[]): Set<string> {
  const paths = new Map<string, string[]>();
  for (const i of docs.filter((d) => d.kind === 'Ingress'))
    for (const rule of i.spec?.rules ?? [])
      for (const p of rule.http?.paths ?? []) {
        const name = p.backend?.service?.name;
        if (name) paths.set(name, [...(paths.get(name) ?? []), p.path]);
      }
  const names = new Set<string>();
  for (const s of docs.filter((d) => d.kind === 'Service')) {
    const sent = paths.get(s.metadata.name);
    if (!s.spec?.selector && sent?.every((p) => INTERNAL_PATHS.includes(p))) names.add(s.metadata.name);
  }
  return names;
}

/** Does a route path of this type send `url` to the backend? */
function routes(type: string, path: string, url: string): boolean {
  if (type === 'Exact') return path === url;
  if (type === 'Prefix' || type === 'PathPrefix' || type === 'ImplementationSpecific') {
    const p = path.replace(/\/+$/, '');
    return p === '' || url === p || url.startsWith(`${p}/`);
  }
  return true; // a regular expression: assume the worst
}

/** The path that decides where `url` goes: an Exact match, else the longest matching prefix. */
function winner<T extends { type: string; path: string }>(paths: T[], url: string): T | undefined {
  const exact = paths.find((p) => p.type === 'Exact' && p.path === url);
  if (exact) return exact;
  // A regular expression (ImplementationSpecific aside) may win anything: assume the worst.
  const regex = paths.find(
    (p) => !['Exact', 'Prefix', 'PathPrefix', 'ImplementationSpecific'].includes(p.type),
  );
  if (regex) return regex;
  const length = (p: T) => p.path.replace(/\/+$/, '').length;
  return paths
    .filter((p) => p.type !== 'Exact' && routes(p.type, p.path, url))
    .sort((a, b) => length(b) - length(a))[0];
}

/**
 * The Ingress and the HTTPRoute send the gateway only the API's prefixes (the gateway's
 * ROUTING_TABLE, for the services deployed) and, with the storefront (web) deployed, `/`; never
 * /metrics, /readyz, /healthz or (outside development) /docs: without `/` they are not routed, with
 * it a longer path sends them to no backend (HTTPRoute) or to a Service without endpoints (Ingress).
 * Every deployed service's prefixes are routed, and the gateway and web know each other's URL.
 */
async function checkPublicRoutes(r: Rendered, deployments: Obj[]): Promise<void> {
  const { ROUTING_TABLE } = await import('../../services/gateway/src/domain/routes.ts');
  const deployed = new Set(deployments.map((d) => d.metadata.labels?.['app.kubernetes.io/name']));
  const storefront = deployed.has('web');
  const wanted: string[] = ROUTING_TABLE.filter((e) => deployed.has(e.service)).flatMap((e) => [
    ...e.prefixes,
  ]);
  if (storefront) wanted.push('/');
  const services = r.docs.filter((d) => d.kind === 'Service');
  const isGateway = (name: string | undefined) =>
    services.find((s) => s.metadata.name === name)?.metadata.labels?.['app.kubernetes.io/name'] === 'gateway';
  const routers: { where: string; paths: { type: string; path: string; toGateway: boolean }[] }[] = [];
  for (const i of r.docs.filter((d) => d.kind === 'Ingress'))
    for (const rule of i.spec?.rules ?? [])
      routers.push({
        where: `${id(i)} ${rule.host ?? '*'}`,
        paths: (rule.http?.paths ?? []).map((p: Obj) => ({
          type: p.pathType,
          path: p.path,
          toGateway: isGateway(p.backend?.service?.name),
        })),
      });
  for (const h of r.docs.filter((d) => d.kind === 'HTTPRoute'))
    routers.push({
      where: id(h),
      paths: (h.spec?.rules ?? []).flatMap((rule: Obj) =>
        (rule.matches ?? [{ path: { type: 'PathPrefix', value: '/' } }]).map((m: Obj) => ({
          type: m.path?.type ?? 'PathPrefix',
          path: m.path?.value ?? '/',
          // A rule without backendRefs forwards nothing (the Gateway answers it itself).
          toGateway: (rule.backendRefs ?? []).some(
            (b: Obj) => (b.kind ?? 'Service') === 'Service' && isGateway(b.name),
          ),
        })),
      ),
    });
  const problems: string[] = [];
  for (const { where, paths } of routers) {
    for (const url of OPERATIONAL_PATHS) {
      if (r.profile === 'dev' && url.startsWith('/docs')) continue;
      if (storefront && url === '/') continue;
      for (const probe of [url, `${url.replace(/\/$/, '')}/`]) {
        const by = winner(paths, probe);
        if (by?.toGateway) {
          problems.push(`${where}: ${probe} is reachable from outside (path ${by.path})`);
          break;
        }
      }
    }
    for (const prefix of wanted)
      for (const url of [prefix, `${prefix.replace(/\/$/, '')}/x`])
        if (!winner(paths, url)?.toGateway) {
          problems.push(`${where}: the public path ${prefix} is not routed to the gateway (${url})`);
          break;
        }
  }
  if (routers.length === 0) note('no Ingress or HTTPRoute rendered');
  expectNone(
    `Ingress/HTTPRoute (${routers.length}) route the API prefixes${storefront ? ' and / (the storefront)' : ''} to the gateway, never ${OPERATIONAL_PATHS.filter((p) => !storefront || p !== '/').join(', ')}`,
    problems,
  );
  if (routers.length) pass(`the gateway's public prefixes (${wanted.length}) all routed`);
  if (storefront) {
    const envOf = (name: string, v: string) =>
      deployments
        .find((d) => d.metadata.labels?.['app.kubernetes.io/name'] === name)
        ?.spec.template.spec.containers[0]?.env?.find((e: Obj) => e.name === v)?.value;
    const serviceOf = (url: string | undefined) => {
      try {
        const host = new URL(String(url)).hostname;
        return services.find((s) => s.metadata.name === host)?.metadata.labels?.['app.kubernetes.io/name'];
      } catch {
        return undefined;
      }
    };
    const webUrl = envOf('gateway', 'WEB_URL');
    const apiUrl = envOf('web', 'API_URL');
    expectNone("the storefront: the gateway's WEB_URL is web's Service, web's API_URL the gateway's", [
      ...(serviceOf(webUrl) === 'web' ? [] : [`gateway: WEB_URL=${webUrl} is not web's Service`]),
      ...(serviceOf(apiUrl) === 'gateway' ? [] : [`web: API_URL=${apiUrl} is not the gateway's Service`]),
    ]);
  }
}

/**
 * The production example's infrastructure (charts/examples/production/infrastructure.yaml): the
 * operators' custom resources against their vendored CRD schemas, the plain objects by
 * kubernetes-models, workloads with probes, resources and a non-root user, and the roles the chart's
 * migrations expect.
 */
export async function checkExamples(examplesDir: string): Promise<void> {
  begin(`production example infrastructure (${rel(examplesDir)})`);
  const file = path.join(examplesDir, 'production/infrastructure.yaml');
  if (!fs.existsSync(file)) {
    expectNone(`${rel(file)} exists`, [`${rel(file)} is missing`]);
    return;
  }
  const { docs, errors } = parseYamlDocs(fs.readFileSync(file, 'utf8'), rel(file));
  expectNone(`${rel(file)}: ${docs.length} objects, valid YAML`, errors);
  const crds = vendoredCrds();
  const custom = docs.filter((d) => crds.some((c) => c.apiVersion === d.apiVersion && c.kind === d.kind));
  expectNone(
    `operator resources (${custom.map(id).join(', ')}) valid against the vendored CRD schemas (${crds.map((c) => `${c.apiVersion} ${c.kind}`).join(', ')}); the rest by kubernetes-models`,
    await validateSchemas(docs),
  );
  expectNone('no misspelt pod, container or probe fields', docs.flatMap(unknownFields));
  for (const kind of ['Cluster', 'RabbitmqCluster', 'StatefulSet'])
    if (!docs.some((d) => d.kind === kind)) expectNone(`a ${kind}`, [`no ${kind} in ${rel(file)}`]);
  expectNone(
    'workloads: probes, resources, non-root',
    docs
      .filter((d) => WORKLOADS.has(d.kind))
      .flatMap((d) => workloadContainerProblems(d, { requireNonRoot: true })),
  );
  const pg = docs.find((d) => d.kind === 'Cluster');
  const roles = (pg?.spec?.managed?.roles ?? []).map((r: Obj) => r.name);
  expectNone(
    'PostgreSQL: the schema owner bootstraps the database, the runtime role logs in without owning it',
    [
      ...(pg?.spec?.bootstrap?.initdb?.owner
        ? []
        : ['Cluster: no bootstrap.initdb.owner (the migrations role)']),
      ...(roles.includes('mercato_app')
        ? []
        : ['Cluster: no managed role mercato_app (migrations.runtimeRole)']),
    ],
  );
  const redis = docs.find((d) => d.kind === 'StatefulSet');
  expectNone(
    'Redis has replicas',
    (redis?.spec?.replicas ?? 1) > 1 ? [] : ['the Redis StatefulSet has one replica'],
  );
}
