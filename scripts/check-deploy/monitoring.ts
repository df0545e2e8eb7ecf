// The Prometheus operator's objects and the Grafana dashboards: required fields (kubernetes-models
// has no schema for the CRDs), alerts and panels on the kit's own metric name, and every metric an
// alert or a panel names is one the services export (or a documented external one). Whether a running
// service really produces each is test/flow/metrics-scrape.test.ts's job (it scrapes them); the
// helpers that find the names (monitoringQueries, promqlMetricNames) are shared with it.
import fs from 'node:fs';
import path from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Rendered } from './helm.ts';
import { id, matches, type Obj } from './objects.ts';
import { repoRoot } from './repo.ts';
import { expectNone } from './report.ts';

type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * The metrics the services export besides prom-client's defaults (each with the default label
 * `service`): the names fixed for issue 13 and the older notifications/shipping ones. A dashboard or
 * alert may name only these, the defaults, or an EXTERNAL one.
 */
export const SERVICE_METRICS: Record<string, MetricType> = {
  // kit (probes and /metrics not observed)
  http_request_duration_seconds: 'histogram',
  // messaging: every consumer, outcome handled|duplicate|retried|dead_lettered|rejected
  messages_consumed_total: 'counter',
  message_handling_seconds: 'histogram',
  // outbox: every service with a relay, read from its table at scrape time
  outbox_pending_rows: 'gauge',
  outbox_oldest_pending_seconds: 'gauge',
  outbox_published_total: 'counter',
  // orders
  orders_placed_total: 'counter',
  orders_transitions_total: 'counter',
  orders_cancelled_total: 'counter',
  orders_confirmation_seconds: 'histogram',
  orders_pending: 'gauge',
  orders_pending_oldest_seconds: 'gauge',
  // payments, invoices
  payments_total: 'counter',
  refunds_total: 'counter',
  invoices_issued_total: 'counter',
  credit_notes_issued_total: 'counter',
  // notifications
  notifications_sent_total: 'counter',
  notifications_failed_total: 'counter',
  notifications_retries_total: 'counter',
  notifications_suppressed_total: 'counter',
  notifications_queued: 'gauge',
  // shipping
  shipping_webhooks_total: 'counter',
  shipping_exceptions_total: 'counter',
  shipping_bookings_total: 'counter',
  shipping_bookings_failed_total: 'counter',
  shipping_parcels_open_exceptions: 'gauge',
};

/**
 * Series no Mercato service exports: Prometheus's own `up`, kube-state-metrics (`kube_*`: restarts),
 * cAdvisor (`container_*`) and RabbitMQ's plugin (`rabbitmq_*`, the optional dead-letter alert).
 */
export const EXTERNAL_METRIC = /^(up|kube_[a-z0-9_]+|container_[a-z0-9_]+|rabbitmq_[a-z0-9_]+)$/;

/** prom-client's default metrics (what every service's registry collects), read from prom-client itself. */
export function promClientDefaults(): Record<string, MetricType> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const out: Record<string, MetricType> = {};
  for (const m of registry.getMetricsAsArray() as unknown as { name: string; type: string }[])
    if (m.type === 'counter' || m.type === 'gauge' || m.type === 'histogram') out[m.name] = m.type;
  registry.clear();
  return out;
}

/** Whether `name` (as written in PromQL: `x_bucket` for a histogram `x`) is a metric of `known`. */
export function isKnownMetric(name: string, known: Record<string, MetricType>): boolean {
  if (known[name]) return true;
  const m = /^(.+)_(bucket|sum|count)$/.exec(name);
  return !!m && known[m[1]!] === 'histogram';
}

// PromQL words that are not metric names: aggregations (they may come before `by (...)` rather than
// a parenthesis), binary operators and modifiers.
const PROMQL_WORDS = new Set(
  (
    'sum min max avg group stddev stdvar count count_values bottomk topk quantile limitk limit_ratio ' +
    'by without on ignoring group_left group_right bool and or unless offset atan2 inf nan'
  ).split(' '),
);

/**
 * The metric names a PromQL expression (or a Grafana variable query `label_values(metric{…}, label)`)
 * selects, as written (`x_bucket`, not `x`). Strings, label matchers, ranges, label lists and Grafana
 * variables are blanked first; what is left that is an identifier not followed by `(` is a metric.
 */
export function promqlMetricNames(expr: string): string[] {
  let s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1 ')
    .replace(/\$\{?\w+\}?/g, ' ');
  // Grafana's label_values(metric, label) names metric; label_values(label) names none.
  const lv = /^\s*label_values\s*\(([\s\S]*)\)\s*$/.exec(s);
  if (lv) {
    const comma = lv[1]!.lastIndexOf(',');
    if (comma < 0) return [];
    s = lv[1]!.slice(0, comma);
  }
  const names = new Set<string>();
  // A whole identifier (not part of a number like 15m or 1e3) that no `(` follows (a function).
  for (const m of s.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g))
    if (!PROMQL_WORDS.has(m[1]!)) names.add(m[1]!);
  return [...names];
}

/** Every PromQL of a rendering: alert and recording expressions, dashboard panels and variable queries. */
export function monitoringQueries(docs: Obj[]): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const pr of docs.filter((d) => d.kind === 'PrometheusRule'))
    for (const g of pr.spec?.groups ?? [])
      for (const rule of g.rules ?? [])
        if (typeof rule.expr === 'string')
          out.push({ where: `${id(pr)} ${rule.alert ?? rule.record}`, expr: rule.expr });
  for (const cm of docs.filter(
    (d) => d.kind === 'ConfigMap' && d.metadata?.labels?.grafana_dashboard === '1',
  ))
    for (const [key, text] of Object.entries(cm.data ?? {})) {
      let dash: Obj;
      try {
        dash = JSON.parse(String(text));
      } catch {
        continue; // reported by checkMonitoring
      }
      for (const p of (dash.panels ?? []).flatMap((p: Obj) => [p, ...(p.panels ?? [])]))
        for (const t of p.targets ?? [])
          if (t.expr) out.push({ where: `${key} panel "${p.title}"`, expr: t.expr });
      for (const v of dash.templating?.list ?? []) {
        const q = typeof v.query === 'string' ? v.query : v.query?.query;
        if (v.type === 'query' && q) out.push({ where: `${key} variable $${v.name}`, expr: q });
      }
    }
  return out;
}

/** The name of the kit's HTTP histogram (libs/kit/src/metrics.ts). */
function kitMetricName(): string {
  const src = fs.readFileSync(path.join(repoRoot, 'libs/kit/src/metrics.ts'), 'utf8');
  const m = /new Histogram\(\{\s*name:\s*'([^']+)'/.exec(src);
  if (!m) throw new Error('libs/kit/src/metrics.ts: no Histogram name found');
  return m[1]!;
}

/** What issue 13 asks each business dashboard to show. */
const DASHBOARD_METRICS: Record<string, string[]> = {
  'mercato-order-funnel': [
    'orders_placed_total',
    'orders_transitions_total',
    'orders_cancelled_total',
    'orders_confirmation_seconds',
    'orders_pending',
    'orders_pending_oldest_seconds',
    'payments_total',
    'invoices_issued_total',
    'notifications_sent_total',
    'notifications_failed_total',
  ],
  'mercato-pipeline': [
    'outbox_pending_rows',
    'outbox_oldest_pending_seconds',
    'outbox_published_total',
    'messages_consumed_total',
    'message_handling_seconds',
  ],
};

/** The alerts issue 13 asks for, each on the metric it must watch (promtool.ts checks each has a unit test). */
export const REQUIRED_ALERTS: Record<string, string> = {
  MercatoOutboxStalled: 'outbox_oldest_pending_seconds',
  MercatoDeadLetters: 'messages_consumed_total',
  MercatoOrdersStuckPending: 'orders_pending_oldest_seconds',
  MercatoOrderConfirmationSlow: 'orders_confirmation_seconds_bucket',
  MercatoHighErrorRate: 'http_request_duration_seconds_count',
  MercatoPodCrashLooping: 'kube_pod_container_status_restarts_total',
};

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
    for (const [name, m] of Object.entries(REQUIRED_ALERTS)) {
      const alert = alerts.find((a: Obj) => a.alert === name);
      if (!alert) problems.push(`${id(pr)}: no alert ${name}`);
      else if (!promqlMetricNames(alert.expr).includes(m)) problems.push(`${id(pr)}: ${name} is not on ${m}`);
    }
    for (const e of exprs)
      for (const m of e.matchAll(/\b(http_[a-z_]+?)(_count|_bucket|_sum)?\{/g))
        if (m[1] !== metric) problems.push(`${id(pr)}: ${m[1]} is not the kit's metric (${metric})`);
  }
  if (!r.valuesFile) {
    if (monitors.length === 0) problems.push('no ServiceMonitor with the default values');
    if (rules.length === 0) problems.push('no PrometheusRule with the default values');
  }
  expectNone(
    `ServiceMonitor (${monitors.length}) and PrometheusRule (${rules.length}) have the operator's required fields, use ${metric} and hold the alerts of issue 13 (${Object.keys(REQUIRED_ALERTS).length})`,
    problems,
  );

  const dashboards = r.docs.filter(
    (d) => d.kind === 'ConfigMap' && d.metadata?.labels?.grafana_dashboard === '1',
  );
  const dashProblems: string[] = [];
  if (dashboards.length === 0) dashProblems.push('no ConfigMap labelled grafana_dashboard: "1"');
  const uids = new Map<string, string[]>();
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
      if (uids.has(dash.uid))
        dashProblems.push(`${id(cm)}: ${key} has the uid ${dash.uid} of another dashboard`);
      const panels = (dash.panels ?? []).flatMap((p: Obj) => [p, ...(p.panels ?? [])]);
      const exprs: string[] = panels
        .flatMap((p: Obj) => (p.targets ?? []).map((t: Obj) => t.expr))
        .filter(Boolean);
      uids.set(dash.uid, exprs);
      for (const p of panels)
        if (p.type !== 'row' && (!p.gridPos || !(p.targets ?? []).length))
          dashProblems.push(`${id(cm)}: ${key} panel "${p.title}" has no gridPos or no query`);
      for (const e of exprs)
        for (const m of e.matchAll(/\b(http_[a-z_]+?)(_count|_bucket|_sum)?\{/g))
          if (m[1] !== metric) dashProblems.push(`${id(cm)}: ${m[1]} is not the kit's metric`);
      const ids = panels.map((p: Obj) => p.id);
      if (new Set(ids).size !== ids.length) dashProblems.push(`${id(cm)}: ${key} has duplicate panel ids`);
      dashboardExprs.push(...exprs);
    }
  }
  // The golden signals are the services dashboard's job; the business story the other two's.
  const golden = uids.get('mercato-services');
  if (!golden) dashProblems.push('no dashboard mercato-services (per-service golden signals)');
  else {
    if (!golden.some((e) => e.includes(`${metric}_count`) && !e.includes('status_code')))
      dashProblems.push(`mercato-services has no request-rate panel`);
    if (!golden.some((e) => e.includes(`${metric}_count`) && /status_code=~"5/.test(e)))
      dashProblems.push(`mercato-services has no error-rate panel`);
    if (!golden.some((e) => /histogram_quantile\(0\.99/.test(e) && e.includes(`${metric}_bucket`)))
      dashProblems.push(`mercato-services has no p99 latency panel`);
    for (const m of [
      'nodejs_eventloop_lag_p99_seconds',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
    ])
      if (!golden.some((e) => promqlMetricNames(e).includes(m)))
        dashProblems.push(`mercato-services has no saturation panel on ${m}`);
  }
  for (const [uid, wanted] of Object.entries(DASHBOARD_METRICS)) {
    const exprs = uids.get(uid);
    if (!exprs) {
      dashProblems.push(`no dashboard ${uid}`);
      continue;
    }
    const shown = new Set(exprs.flatMap(promqlMetricNames));
    for (const m of wanted)
      if (![m, `${m}_bucket`].some((n) => shown.has(n))) dashProblems.push(`${uid} has no panel on ${m}`);
  }
  expectNone(
    `Grafana dashboards (${dashboards.length} ConfigMaps, ${uids.size} dashboards): golden signals, order funnel, outbox and queues`,
    dashProblems,
  );

  // Every metric named anywhere is exported by the services (or external): a typo, or a metric
  // renamed in code but not here, would show an empty panel or an alert that can never fire.
  const known = { ...promClientDefaults(), ...SERVICE_METRICS };
  const unknown: string[] = [];
  const queries = monitoringQueries(r.docs);
  for (const q of queries)
    for (const n of promqlMetricNames(q.expr))
      if (!EXTERNAL_METRIC.test(n) && !isKnownMetric(n, known)) unknown.push(`${q.where}: ${n}`);
  expectNone(
    `alerts and dashboards (${queries.length} queries) name only metrics the services export, prom-client's defaults, up, kube-state-metrics, cAdvisor or RabbitMQ`,
    unknown,
  );
  return dashboardExprs;
}
