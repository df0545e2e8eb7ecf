// skaffold.yaml: valid against the skaffold v4beta14 JSON schema (ajv), one artifact per service,
// each the root Dockerfile with the build argument SERVICE, built from the repository root; k8s/dev
// deployed before the chart with every image from the build, the gateway forwarded to localhost:8080.
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { type Obj, parseYamlDocs, strip } from './objects.ts';
import { DOCKERFILE, deployableServices, RELEASE, rel, repoRoot } from './repo.ts';
import { begin, expectNone, fail } from './report.ts';

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
