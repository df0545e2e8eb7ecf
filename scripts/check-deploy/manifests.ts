// The dev cluster's plain manifests (k8s/dev): valid objects in one namespace, probes and resources,
// Services that select workloads, the infrastructure the services need, and the connection URLs of
// values-dev.yaml pointing at these Services.
import fs from 'node:fs';
import path from 'node:path';
import type { Rendered } from './helm.ts';
import { id, matches, type Obj, parseYamlDocs, WORKLOADS } from './objects.ts';
import { workloadContainerProblems } from './policy.ts';
import { NAMESPACE, rel } from './repo.ts';
import { begin, expectNone, fail } from './report.ts';
import { unknownFields, validateSchemas } from './schemas.ts';

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

  for (const want of ['postgres', 'rabbitmq', 'redis', 'jaeger'])
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
