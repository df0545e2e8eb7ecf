// What the chart's alerts and dashboards name, and what running services export: the two halves of
// test/flow/metrics-scrape.test.ts. The names come from the chart as Helm renders it (default values:
// every alert on), parsed with the same helpers as `npm run check:deploy`.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { obtainHelm } from '../../scripts/check-deploy/helm.ts';
import {
  EXTERNAL_METRIC,
  monitoringQueries,
  promqlMetricNames,
} from '../../scripts/check-deploy/monitoring.ts';
import { parseYamlDocs } from '../../scripts/check-deploy/objects.ts';

const execFileAsync = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface NamedMetrics {
  /** metric name as written (x_bucket for a histogram x) → where it is used */
  names: Map<string, string[]>;
  /** names left out: no Mercato service can produce them (up, kube-state-metrics, cAdvisor, RabbitMQ) */
  external: string[];
  queries: number;
}

/** Renders the chart (default values) and collects every metric its alerts and dashboards name. */
export async function chartMetricNames(chartDir = path.join(root, 'charts/mercato')): Promise<NamedMetrics> {
  const helm = await obtainHelm();
  const { stdout } = await execFileAsync(helm, ['template', 'mercato', chartDir, '--namespace', 'mercato'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const { docs, errors } = parseYamlDocs(stdout, 'helm template');
  if (errors.length) throw new Error(errors.join('\n'));
  const queries = monitoringQueries(docs);
  const names = new Map<string, string[]>();
  const external = new Set<string>();
  for (const q of queries)
    for (const n of promqlMetricNames(q.expr)) {
      if (EXTERNAL_METRIC.test(n)) external.add(n);
      else names.set(n, [...(names.get(n) ?? []), q.where]);
    }
  return { names, external: [...external].sort(), queries: queries.length };
}

export interface Scrape {
  service: string;
  /** sample name (as exposed: x_bucket, x_count, x_sum for a histogram) → its sample lines */
  samples: Map<string, string[]>;
  /** names declared by `# TYPE` (a labelled counter never incremented has only this) */
  declared: Set<string>;
}

/** GET <url>/metrics, parsed into sample names and declared names. */
export async function scrape(service: string, url: string): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`${service} /metrics: ${res.status}`);
  const samples = new Map<string, string[]>();
  const declared = new Set<string>();
  for (const line of (await res.text()).split('\n')) {
    const type = /^# TYPE (\S+) /.exec(line);
    if (type) declared.add(type[1]!);
    if (!line || line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][\w:]*/.exec(line)?.[0];
    if (name) samples.set(name, [...(samples.get(name) ?? []), line]);
  }
  return { service, samples, declared };
}

/** The sum of the samples of `name` whose labels include every `label="value"` of `labels`. */
export function sampleSum(scrapes: Scrape[], name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const s of scrapes)
    for (const line of s.samples.get(name) ?? [])
      if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
        sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}
