// The GitHub workflows, checked offline (no runner here): each parses, every job and step has the shape
// GitHub accepts, actions are pinned, every script and file a step names exists, the image matrix is
// every service, and the CI scripts behave: the curl session fails loudly on a wrong status, and the
// chart's helm test renders as a hook Pod with the chart's security settings.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import t from 'tap';
import YAML from 'yaml';
import { obtainHelm } from '../../scripts/check-deploy/helm.ts';
import { deployableServices } from '../../scripts/check-deploy/repo.ts';

const ROOT = path.join(import.meta.dirname, '../..');
const WORKFLOWS = path.join(ROOT, '.github/workflows');

/** Workflow YAML: untyped. */
type Obj = Record<string, any>;

function loadWorkflows(): { file: string; doc: Obj }[] {
  return fs
    .readdirSync(WORKFLOWS)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => {
      const parsed = YAML.parseDocument(fs.readFileSync(path.join(WORKFLOWS, f), 'utf8'));
      if (parsed.errors.length) throw new Error(`${f}: ${parsed.errors.map((e) => e.message).join('; ')}`);
      return { file: f, doc: parsed.toJS() as Obj };
    });
}

const workflows = loadWorkflows();
const ci = workflows.find((w) => w.file === 'ci.yml')?.doc as Obj;
const steps = (job: Obj): Obj[] => job.steps ?? [];
const runs = (job: Obj): string =>
  steps(job)
    .map((s) => s.run ?? '')
    .join('\n');

t.test('every workflow parses and has the shape GitHub accepts', async (t) => {
  t.ok(workflows.length > 0, 'there are workflows');
  for (const { file, doc } of workflows) {
    t.ok(doc.on, `${file}: has triggers`);
    t.ok(doc.jobs && Object.keys(doc.jobs).length > 0, `${file}: has jobs`);
    for (const [name, job] of Object.entries<Obj>(doc.jobs)) {
      t.ok(job['runs-on'], `${file} ${name}: runs-on`);
      t.ok(steps(job).length > 0, `${file} ${name}: has steps`);
      for (const need of [job.needs ?? []].flat())
        t.ok(doc.jobs[need], `${file} ${name}: needs ${need}, a job of the workflow`);
      for (const [i, step] of steps(job).entries()) {
        t.equal(
          Number('uses' in step) + Number('run' in step),
          1,
          `${file} ${name} step ${i}: exactly one of uses/run`,
        );
        if (step.uses)
          t.match(
            step.uses,
            /^[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/,
            `${file} ${name}: ${step.uses} is pinned by a version tag or a commit`,
          );
      }
    }
  }
});

t.test('every script, file and npm script a workflow names exists', async (t) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  for (const { file, doc } of workflows) {
    const text = fs.readFileSync(path.join(WORKFLOWS, file), 'utf8');
    t.notMatch(text, /\.\.\/shared/, `${file}: reads nothing outside the repository`);
    for (const [name, job] of Object.entries<Obj>(doc.jobs)) {
      const paths = new Set<string>();
      for (const step of steps(job)) {
        for (const m of String(step.run ?? '').matchAll(
          /(?:^|[\s"'=])((?:scripts|\.github|charts|k8s)\/[\w./-]+)/g,
        ))
          paths.add(m[1]);
        for (const key of ['config', 'file'])
          if (typeof step.with?.[key] === 'string') paths.add(step.with[key]);
        for (const m of String(step.run ?? '').matchAll(/npm run ([\w:-]+)/g))
          t.ok(pkg.scripts?.[m[1]], `${file} ${name}: npm run ${m[1]} is a script of package.json`);
      }
      for (const p of paths) t.ok(fs.existsSync(path.join(ROOT, p)), `${file} ${name}: ${p} exists`);
    }
  }
});

t.test('the jobs of CI', async (t) => {
  t.same(
    Object.keys(ci.jobs).sort(),
    ['chart', 'compose', 'images', 'kind', 'lint', 'test', 'typecheck'],
    'lint, typecheck, test, chart, images, compose, kind',
  );
  t.match(runs(ci.jobs.lint), /npm run lint/);
  t.match(runs(ci.jobs.typecheck), /npm run typecheck/);
  t.match(runs(ci.jobs.test), /npm test/);
  t.match(runs(ci.jobs.chart), /npm run check:deploy/);
  t.match(runs(ci.jobs.chart), /helm lint --strict charts\/mercato/);

  const images = ci.jobs.images;
  t.same(
    [...images.strategy.matrix.service].sort(),
    deployableServices(),
    'the image matrix is every service with a start script',
  );
  const skaffold = YAML.parseAllDocuments(fs.readFileSync(path.join(ROOT, 'skaffold.yaml'), 'utf8'))
    .map((d) => d.toJS() as Obj)
    .flatMap((d) => d?.build?.artifacts ?? [])
    .map((a: Obj) => a.docker?.buildArgs?.SERVICE)
    .sort();
  t.same([...images.strategy.matrix.service].sort(), skaffold, 'and every skaffold artifact');
  const build = steps(images).find((s) => s.uses?.startsWith('docker/build-push-action@'));
  t.ok(build, 'images are built with buildx');
  t.equal(build?.with?.file, 'Dockerfile');
  t.match(build?.with?.['build-args'], /^SERVICE=\$\{\{ matrix\.service \}\}$/);
  t.match(build?.with?.['cache-from'], /type=gha/);
  t.match(build?.with?.['cache-to'], /type=gha/);
  const scan = steps(images).find((s) => s.uses?.startsWith('aquasecurity/trivy-action@'));
  t.match(
    scan?.with,
    { severity: 'CRITICAL', 'ignore-unfixed': true, 'exit-code': '1' },
    'Trivy fails on fixable criticals',
  );
  t.ok(
    steps(images).indexOf(scan as Obj) < steps(images).findIndex((s) => /push-image/.test(s.run ?? '')),
    'an image is pushed only after its scan',
  );
  t.equal(images.permissions?.packages, 'write', 'images may push to GHCR');
  for (const s of steps(images).filter((s) => /push-image|login-action/.test(`${s.run}${s.uses}`)))
    t.match(s.if, /refs\/heads\/main/, 'pushes only on main');

  t.same(ci.jobs.compose.needs, 'images');
  t.match(runs(ci.jobs.compose), /scripts\/compose-check\/run\.sh/);
  t.ok(
    steps(ci.jobs.compose).some((s) => s.env?.COMPOSE === 'docker compose' && s.env?.SKIP_BUILD),
    'the images loaded above, with docker compose v2',
  );
  // run.sh's exit trap prints every container's last lines on failure and always brings the project down.
  const runScript = fs.readFileSync(path.join(ROOT, 'scripts/compose-check/run.sh'), 'utf8');
  t.match(runScript, /trap finish EXIT/);
  t.match(runScript, /compose logs --tail/);
  t.match(runScript, /compose down -v/);

  const kind = ci.jobs.kind;
  t.ok(steps(kind).some((s) => s.uses?.startsWith('helm/kind-action@')));
  t.ok(steps(kind).some((s) => s.uses?.startsWith('helm/chart-testing-action@')));
  t.match(runs(kind), /scripts\/ci\/kind-load\.sh/);
  t.match(runs(kind), /scripts\/ci\/kind-ingress\.sh/);
  t.match(runs(kind), /scripts\/ci\/kind-infra\.sh/);
  t.match(runs(kind), /ct install --config \.github\/ct\.yaml --charts charts\/mercato/);
  t.match(runs(kind), /helm test "\$release"/);
});

t.test('dependabot keeps the actions, the base image and the packages current', async (t) => {
  const config = YAML.parse(fs.readFileSync(path.join(ROOT, '.github/dependabot.yml'), 'utf8')) as Obj;
  t.equal(config.version, 2);
  const ecosystems = config.updates.map((u: Obj) => u['package-ecosystem']);
  t.same(ecosystems, ['github-actions', 'docker', 'docker-compose', 'npm']);
  for (const u of config.updates)
    t.ok(u.directory && u.schedule?.interval, `${u['package-ecosystem']}: directory and schedule`);
});

t.test('the CI shell scripts are valid bash', async (t) => {
  for (const folder of ['scripts/ci', 'scripts/compose-check']) {
    const dir = path.join(ROOT, folder);
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.sh'))) {
      const r = spawnSync('bash', ['-n', path.join(dir, f)], { encoding: 'utf8' });
      t.equal(r.status, 0, `bash -n ${folder}/${f}`, { stderr: r.stderr });
    }
  }
});

t.test('the curl session fails on a status other than the README shows, and says which', async (t) => {
  // An API that answers 500 to everything: registration is the first call and expects 201.
  const server = http.createServer((_req, res) => {
    res.writeHead(500, { 'content-type': 'application/problem+json' });
    res.end('{"title":"Internal Server Error","status":500}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn('bash', [path.join(ROOT, 'scripts/compose-check/session.sh')], {
      cwd: ROOT,
      env: { ...process.env, API: url },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
  t.equal(code, 1, 'exits 1');
  t.match(output, '$ POST /auth/register', 'prints the call');
  t.match(output, 'SESSION FAILED: register gave no token', 'says which step failed');
  t.match(output, '"title":"Internal Server Error"', 'prints the answer');
});

t.test('the helm test renders as a test hook that places an order through the ingress', async (t) => {
  const helm = await obtainHelm();
  const render = (...args: string[]) => {
    const r = spawnSync(
      helm,
      [
        'template',
        'mercato',
        'charts/mercato',
        '--namespace',
        'mercato',
        '--show-only',
        'templates/tests/place-order.yaml',
        ...args,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    t.equal(r.status, 0, `helm template ${args.join(' ')}`, { stderr: r.stderr });
    return YAML.parse(r.stdout) as Obj;
  };
  const pod = render('-f', 'charts/mercato/values-dev.yaml', '-f', '.github/ci/kind-values.yaml');
  t.equal(pod.kind, 'Pod');
  t.equal(pod.metadata.annotations['helm.sh/hook'], 'test');
  t.equal(pod.spec.restartPolicy, 'Never');
  const c = pod.spec.containers[0];
  t.equal(c.image, 'mercato/gateway:ci', 'the gateway image loaded into kind');
  t.equal(c.imagePullPolicy, 'Never');
  t.match(pod.spec.securityContext, { runAsNonRoot: true, runAsUser: 1000 });
  t.match(c.securityContext, {
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  });
  const env = Object.fromEntries(c.env.map((e: Obj) => [e.name, e.value ?? e.valueFrom]));
  t.equal(
    env.API_URL,
    'http://ingress-nginx-controller.ingress-nginx.svc.cluster.local',
    'through the ingress controller',
  );
  t.equal(env.API_HOST, 'mercato.localtest.me', 'with the Ingress host');
  t.same(env.ADMIN_PASSWORD, { secretKeyRef: { name: 'mercato-secrets', key: 'MERCATO_ADMIN_PASSWORD' } });
  const script = c.command.at(-1);
  for (const call of [
    "'/auth/login'",
    "'/auth/register'",
    "'/addresses'",
    "'/stocks'",
    "'/orders'",
    "status !== 'CONFIRMED'",
  ])
    t.ok(script.includes(call), `the script does ${call}`);
  const syntax = spawnSync(process.execPath, ['--input-type=module', '--check'], {
    input: script,
    encoding: 'utf8',
  });
  t.equal(syntax.status, 0, 'the script is valid JavaScript', { stderr: syntax.stderr });

  const direct = render('-f', 'charts/mercato/values-dev.yaml', '--set', 'ingress.enabled=false');
  const directEnv = Object.fromEntries(direct.spec.containers[0].env.map((e: Obj) => [e.name, e.value]));
  t.equal(directEnv.API_URL, 'http://mercato-gateway:8080', 'without an Ingress: the gateway Service');
  t.equal(directEnv.API_HOST, '');

  // A production install (default values: no fake payment provider) gets no test that leaves a
  // product and an order behind.
  const production = spawnSync(helm, ['template', 'mercato', 'charts/mercato', '--namespace', 'mercato'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  t.equal(production.status, 0, 'helm template with the default values', { stderr: production.stderr });
  t.notMatch(production.stdout, 'helm.sh/hook: test', 'no test hook with the default values');
  t.match(production.stdout, 'kind: Deployment', 'while the chart itself renders');
});
