// Where the checks run and the names they expect: the repository root, the release and namespace the
// chart is rendered as, the labels every workload carries.
import fs from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const RELEASE = 'mercato';
export const NAMESPACE = 'mercato';
/** The kit closes a service within this long after SIGTERM (runService graceMs). */
export const KIT_SHUTDOWN_SECONDS = 20;
export const STANDARD_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/component',
  'app.kubernetes.io/part-of',
];

/** A path as printed: relative to the repository root. */
export const rel = (p: string) => path.relative(repoRoot, p) || '.';

/** skaffold.yaml's JSON schema, vendored so that check:deploy needs nothing outside the repository. */
export const SKAFFOLD_SCHEMA = path.join(repoRoot, 'scripts/check-deploy/vendor/skaffold-v4beta14.json');

/** The dev cluster's plain manifests and the script that turns the chart's alert rules into a ConfigMap. */
export const K8S_DEV = path.join(repoRoot, 'k8s/dev');

/** The one Dockerfile every service's image is built from, with the build argument SERVICE. */
export const DOCKERFILE = path.join(repoRoot, 'Dockerfile');

/** The services that run as a process, hence have an image: services/<name>/package.json has a start script. */
export function deployableServices(): string[] {
  return fs
    .readdirSync(path.join(repoRoot, 'services'))
    .filter((s) => {
      const file = path.join(repoRoot, 'services', s, 'package.json');
      if (!fs.existsSync(file)) return false;
      return Boolean(JSON.parse(fs.readFileSync(file, 'utf8')).scripts?.start);
    })
    .sort();
}
