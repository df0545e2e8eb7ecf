// What the chart renders for an SRE: migrations in an init container (or at start-up on request),
// a ServiceAccount per service, only the API's prefixes through the Ingress and the HTTPRoute, and
// a Secret that helm keeps (and that `helm template` regenerates: hence existingSecret for GitOps).
import path from 'node:path';
import t from 'tap';
import { obtainHelm, template } from '../../scripts/check-deploy/helm.ts';
import type { Obj } from '../../scripts/check-deploy/objects.ts';

const CHART = path.join(import.meta.dirname, '../../charts/mercato');
const helm = await obtainHelm();

function render(...sets: string[]): Obj[] {
  const r = template(
    helm,
    CHART,
    sets.flatMap((s) => ['--set', s]),
  );
  if (!r.ok) throw new Error(r.stderr);
  return r.docs;
}
/** The one object of this kind (and name); fails the test when there is none. */
function one(docs: Obj[], kind: string, name?: string): Obj {
  const found = docs.find((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  if (!found) throw new Error(`no ${kind} ${name ?? ''} rendered`);
  return found;
}
const deployment = (docs: Obj[], name: string) => one(docs, 'Deployment', `mercato-${name}`);
const env = (c: Obj, name: string) => (c.env ?? []).find((e: Obj) => e.name === name);

t.test('a service with a database migrates in an init container as the schema owner', async (t) => {
  const orders = deployment(render(), 'orders').spec.template.spec;
  const [migrate] = orders.initContainers;
  const [main] = orders.containers;
  t.equal(migrate.name, 'migrate');
  t.equal(migrate.image, main.image, 'the same image');
  t.same([migrate.command, migrate.args], [main.command, main.args], 'the same command');
  t.equal(env(migrate, 'DATABASE_MIGRATIONS').value, 'only');
  t.equal(env(migrate, 'DATABASE_RUNTIME_ROLE').value, 'mercato_app');
  t.equal(env(migrate, 'DATABASE_URL').valueFrom.secretKeyRef.key, 'MIGRATION_DATABASE_URL');
  t.equal(env(main, 'DATABASE_MIGRATIONS').value, 'off', 'the service runs without DDL');
  t.equal(env(main, 'DATABASE_URL').valueFrom.secretKeyRef.key, 'DATABASE_URL');
  t.same(migrate.securityContext, main.securityContext, 'as locked down as the service');

  const gateway = deployment(render(), 'gateway').spec.template.spec;
  t.notOk(gateway.initContainers, 'the gateway has no database, nothing to migrate');

  const moved = deployment(render('services.orders.databaseUrlKey=ORDERS_DATABASE_URL'), 'orders');
  t.equal(
    env(moved.spec.template.spec.initContainers[0], 'DATABASE_URL').valueFrom.secretKeyRef.key,
    'ORDERS_MIGRATION_DATABASE_URL',
    'a service on its own database migrates with its own owner URL',
  );
});

t.test('migrations.mode=startup keeps the previous behaviour', async (t) => {
  const docs = render('migrations.mode=startup');
  for (const d of docs.filter((x) => x.kind === 'Deployment')) {
    const pod = d.spec.template.spec;
    t.notOk(pod.initContainers, `${d.metadata.name}: no init container`);
    t.notOk(env(pod.containers[0], 'DATABASE_MIGRATIONS'), `${d.metadata.name}: no DATABASE_MIGRATIONS`);
  }
  const secret = one(docs, 'Secret');
  t.notOk(secret.data.MIGRATION_DATABASE_URL, 'no migration credential in the Secret');
});

t.test('one ServiceAccount per service, annotations per service, no token', async (t) => {
  const docs = render(
    'services.invoices.serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=arn:aws:iam::1:role/invoices',
  );
  const deployments = docs.filter((d) => d.kind === 'Deployment');
  const accounts = docs.filter((d) => d.kind === 'ServiceAccount');
  t.equal(accounts.length, deployments.length);
  const names = deployments.map((d) => d.spec.template.spec.serviceAccountName);
  t.equal(new Set(names).size, names.length, 'no two services share one');
  for (const a of accounts) t.equal(a.automountServiceAccountToken, false, `${a.metadata.name}: no token`);
  const invoices = one(accounts, 'ServiceAccount', 'mercato-invoices');
  t.same(invoices.metadata.annotations, { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/invoices' });
  t.notOk(one(accounts, 'ServiceAccount', 'mercato-orders').metadata.annotations);
});

const ingressPaths = (docs: Obj[]) => one(docs, 'Ingress').spec.rules[0].http.paths.map((p: Obj) => p.path);

t.test('the Ingress routes the API prefixes only; /docs on request', async (t) => {
  const paths = ingressPaths(render());
  t.same(paths, [
    '/addresses',
    '/auth',
    '/carts',
    '/invoices',
    '/notifications',
    '/orders',
    '/payments',
    '/products',
    '/shippings',
    '/stocks',
    '/stores',
    '/users',
  ]);
  for (const p of ['/', '/metrics', '/readyz', '/healthz', '/docs'])
    t.notOk(paths.includes(p), `${p} is not routed`);
  t.ok(ingressPaths(render('ingress.exposeDocs=true')).includes('/docs'));
  t.notOk(
    ingressPaths(render('services.payments.enabled=false')).includes('/payments'),
    'a disabled service is not routed',
  );
});

t.test('the HTTPRoute routes the same prefixes to the gateway', async (t) => {
  const docs = render(
    'httpRoute.enabled=true',
    'httpRoute.parentRefs[0].name=public',
    'httpRoute.hostnames[0]=api.example.com',
  );
  const route = one(docs, 'HTTPRoute');
  t.equal(route.apiVersion, 'gateway.networking.k8s.io/v1');
  t.same(route.spec.parentRefs, [{ name: 'public' }]);
  t.same(route.spec.hostnames, ['api.example.com']);
  const values = route.spec.rules[0].matches.map((m: Obj) => m.path.value);
  t.same(values, ingressPaths(docs));
  t.same(route.spec.rules[0].backendRefs, [{ name: 'mercato-gateway', port: 8080 }]);
  t.notOk(
    render().some((d) => d.kind === 'HTTPRoute'),
    'off by default',
  );
});

t.test(
  'the Secret: kept by helm, regenerated by every helm template, absent with existingSecret',
  async (t) => {
    const first = one(render(), 'Secret');
    const second = one(render(), 'Secret');
    t.equal(first.metadata.annotations['helm.sh/resource-policy'], 'keep');
    // No cluster to look up: what Argo CD and Flux get on every sync (the README warns).
    t.not(
      first.data.JWT_PRIVATE_KEY,
      second.data.JWT_PRIVATE_KEY,
      'helm template: a new signing key each time',
    );
    const docs = render('secrets.existingSecret=mine');
    t.notOk(
      docs.some((d) => d.kind === 'Secret'),
      'no Secret rendered',
    );
    const refs = docs
      .filter((d) => d.kind === 'Deployment')
      .flatMap((d) => [...(d.spec.template.spec.initContainers ?? []), ...d.spec.template.spec.containers])
      .flatMap((c: Obj) =>
        (c.env ?? [])
          .filter((e: Obj) => e.valueFrom?.secretKeyRef)
          .map((e: Obj) => e.valueFrom.secretKeyRef.name),
      );
    t.same([...new Set(refs)], ['mine'], 'every key from the existing Secret');
    t.ok(
      docs.every(
        (d) => d.kind !== 'Deployment' || !d.spec.template.metadata.annotations?.['checksum/secret'],
      ),
      'no checksum of a Secret the chart does not render',
    );
  },
);
