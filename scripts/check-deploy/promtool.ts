// promtool (Prometheus's own parser): `check rules` and `test rules` on the rendered PrometheusRule,
// and every Grafana dashboard query parsed as PromQL. Skipped with a note when promtool cannot be had.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { commandExists, run } from './exec.ts';
import type { Rendered } from './helm.ts';
import { type Obj, parseYamlDocs, strip } from './objects.ts';
import { NAMESPACE, RELEASE, rel, repoRoot } from './repo.ts';
import { begin, expectNone, fail, note, pass } from './report.ts';

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

export function checkPromtool(
  renders: Rendered[],
  opts: { chartDir: string; dashboardExprs: string[]; skip: boolean },
): void {
  const { chartDir, dashboardExprs } = opts;
  begin('promtool');
  if (opts.skip) {
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
      const cases = (test.tests ?? []).flatMap((c: Obj) => c.alert_rule_test ?? []);
      if (t.ok) pass(`promtool test rules (${rel(testFile)}: ${cases.length} alert evaluations)`);
      else fail(`promtool test rules (${rel(testFile)})`, (t.stdout + t.stderr).trim());

      // Every alert the chart renders is seen firing in some test (and so its labels and texts are
      // pinned), not only staying silent.
      const fired = new Set(
        cases.filter((c: Obj) => (c.exp_alerts ?? []).length > 0).map((c: Obj) => c.alertname),
      );
      const alerts: string[] = rules[0]!.spec.groups.flatMap((g: Obj) =>
        (g.rules ?? []).filter((x: Obj) => x.alert).map((x: Obj) => x.alert as string),
      );
      const untested = [...new Set(alerts)].filter((a) => !fired.has(a));
      expectNone(`every alert (${new Set(alerts).size}) has a promtool test that fires it`, untested);
    } else fail(`${rel(testFile)} exists`);

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
