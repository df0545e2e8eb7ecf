// The Prometheus operator's objects and the Grafana dashboards: required fields (kubernetes-models
// has no schema for the CRDs), alerts and panels on the kit's own metric name.
import fs from 'node:fs';
import path from 'node:path';
import type { Rendered } from './helm.ts';
import { id, matches, type Obj } from './objects.ts';
import { repoRoot } from './repo.ts';
import { expectNone } from './report.ts';

/** The name of the kit's HTTP histogram (libs/kit/src/metrics.ts). */
function kitMetricName(): string {
  const src = fs.readFileSync(path.join(repoRoot, 'libs/kit/src/metrics.ts'), 'utf8');
  const m = /new Histogram\(\{\s*name:\s*'([^']+)'/.exec(src);
  if (!m) throw new Error('libs/kit/src/metrics.ts: no Histogram name found');
  return m[1]!;
}

const ALLOWED_SEVERITIES = new Set(['critical', 'warning', 'info']);

/** Returns the PromQL of every dashboard panel, for promtool to parse. */
export function checkMonitoring(r: Rendered, services: Obj[]): string[] {
  const dashboardExprs: string[] = [];
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
  return dashboardExprs;
}
