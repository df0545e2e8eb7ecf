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
/** The Ingress's paths and the Service each goes to. */
const ingressRoutes = (docs: Obj[]): Record<string, string> =>
  Object.fromEntries(
    one(docs, 'Ingress').spec.rules[0].http.paths.map((p: Obj) => [p.path, p.backend.service.name]),
  );
const INTERNAL = ['/docs', '/healthz', '/livez', '/metrics', '/readyz'];

t.test('the Ingress routes the API prefixes only; /docs on request', async (t) => {
  const paths = ingressPaths(render('services.web.enabled=false'));
  t.same(paths, [
    '/addresses',
    '/auth',
    '/carts',
    '/invoices',
    '/notifications',
    '/orders',
    '/payments',
    '/products',
    '/recommendations',
    '/shippings',
    '/stocks',
    '/stores',
    '/users',
  ]);
  for (const p of ['/', '/metrics', '/readyz', '/healthz', '/docs'])
    t.notOk(paths.includes(p), `${p} is not routed`);
  t.ok(ingressPaths(render('services.web.enabled=false', 'ingress.exposeDocs=true')).includes('/docs'));
  t.notOk(
    ingressPaths(render('services.payments.enabled=false')).includes('/payments'),
    'a disabled service is not routed',
  );
  t.notOk(
    render('services.web.enabled=false').some(
      (d) => d.kind === 'Service' && d.metadata.name === 'mercato-unrouted',
    ),
    'no Service without endpoints when nothing needs it',
  );
});

t.test("with the storefront, `/` routes to the gateway but the gateway's own endpoints do not", async (t) => {
  const docs = render();
  const routes = ingressRoutes(docs);
  t.equal(routes['/'], 'mercato-gateway', '/ (the shop) goes to the gateway');
  t.equal(one(docs, 'Ingress').spec.rules[0].http.paths[0].pathType, 'Prefix');
  for (const p of ['/products', '/orders', '/auth']) t.equal(routes[p], 'mercato-gateway', p);
  for (const p of INTERNAL)
    t.equal(routes[p], 'mercato-unrouted', `${p} goes to the Service without endpoints`);
  const unrouted = one(docs, 'Service', 'mercato-unrouted');
  t.notOk(unrouted.spec.selector, 'it selects no pods: no endpoints, the controller answers itself');
  t.same(
    unrouted.spec.ports.map((p: Obj) => p.name),
    ['http'],
    'the port the Ingress names',
  );
  for (const d of docs.filter((x) => x.kind === 'Deployment'))
    t.not(
      d.spec.template.metadata.labels['app.kubernetes.io/name'],
      'unrouted',
      'and no workload carries its name',
    );

  // ingress.exposeDocs: /docs reaches the gateway (its own path), the rest still does not.
  const withDocs = ingressRoutes(render('ingress.exposeDocs=true'));
  t.equal(withDocs['/docs'], 'mercato-gateway', 'exposeDocs still decides /docs');
  for (const p of INTERNAL.filter((x) => x !== '/docs')) t.equal(withDocs[p], 'mercato-unrouted', p);

  // The gateway sends every path no API prefix claims to web; web calls the API through the gateway.
  const gateway = deployment(docs, 'gateway').spec.template.spec.containers[0];
  const web = deployment(docs, 'web').spec.template.spec.containers[0];
  t.equal(env(gateway, 'WEB_URL').value, 'http://mercato-web:8080');
  t.equal(env(web, 'API_URL').value, 'http://mercato-gateway:8080');
  t.equal(env(web, 'REDIS_URL').valueFrom.secretKeyRef.key, 'REDIS_URL');
  t.equal(
    env(web, 'SESSION_SECRET').valueFrom.secretKeyRef.key,
    'SESSION_SECRET',
    'one cookie key for every replica',
  );
  for (const v of ['DATABASE_URL', 'AMQP_URL', 'JWKS_URL']) t.notOk(env(web, v), `web gets no ${v}`);
  t.notOk(deployment(docs, 'web').spec.template.spec.initContainers, 'nothing to migrate');
  const withoutWeb = render('services.web.enabled=false');
  t.notOk(ingressRoutes(withoutWeb)['/'], 'no / without the storefront');
  t.notOk(env(deployment(withoutWeb, 'gateway').spec.template.spec.containers[0], 'WEB_URL'), 'nor WEB_URL');
});

t.test('web is reached only from the gateway and reaches the gateway and Redis', async (t) => {
  const docs = render();
  const policy = one(docs, 'NetworkPolicy', 'mercato-web');
  const podPeers = policy.spec.ingress.flatMap((r: Obj) =>
    (r.from ?? [])
      .filter((p: Obj) => p.podSelector && !p.namespaceSelector)
      .map((p: Obj) => p.podSelector.matchLabels),
  );
  t.same(
    podPeers,
    [{ 'app.kubernetes.io/name': 'gateway', 'app.kubernetes.io/instance': 'mercato' }],
    'the gateway only',
  );
  const namespaces = policy.spec.ingress.flatMap((r: Obj) =>
    (r.from ?? []).filter((p: Obj) => p.namespaceSelector).map((p: Obj) => p.namespaceSelector.matchLabels),
  );
  t.same(
    namespaces,
    [{ 'kubernetes.io/metadata.name': 'monitoring' }],
    'and Prometheus; not the ingress controller',
  );
  const egressPorts = policy.spec.egress.flatMap((r: Obj) => (r.ports ?? []).map((p: Obj) => p.port));
  t.ok(egressPorts.includes(6379), 'Redis');
  t.notOk(egressPorts.includes(5432) || egressPorts.includes(5672), 'no database, no broker');
  const toGateway = policy.spec.egress.some(
    (r: Obj) =>
      r.ports?.some((p: Obj) => p.port === 8080) &&
      r.to?.some((p: Obj) => p.podSelector?.matchLabels?.['app.kubernetes.io/part-of'] === 'mercato'),
  );
  t.ok(toGateway, "the gateway's port on the release's pods");
  const gatewayPolicy = one(docs, 'NetworkPolicy', 'mercato-gateway');
  t.ok(
    gatewayPolicy.spec.ingress.some((r: Obj) =>
      (r.from ?? []).some((p: Obj) => p.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'web'),
    ),
    'the gateway lets web in (its API calls)',
  );
});

t.test('the Secret holds a session key for the storefront, kept and of the right length', async (t) => {
  const key = (docs: Obj[]) => one(docs, 'Secret').data.SESSION_SECRET;
  const generated = Buffer.from(key(render()), 'base64').toString();
  t.equal(generated.length, 48, 'generated: 48 characters');
  const given = 'x'.repeat(40);
  t.equal(Buffer.from(key(render(`secrets.sessionSecret=${given}`)), 'base64').toString(), given);
  t.notOk(key(render('services.web.enabled=false')), 'none without the storefront');
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
  const routes = ingressRoutes(docs);
  t.same(
    values,
    Object.keys(routes).filter((p) => routes[p] === 'mercato-gateway'),
  );
  t.ok(values.includes('/'), 'the shop at /');
  t.same(route.spec.rules[0].backendRefs, [{ name: 'mercato-gateway', port: 8080 }]);
  // The gateway's own endpoints: a longer prefix in a rule without backends (the Gateway answers).
  t.same(
    route.spec.rules[1].matches.map((m: Obj) => [m.path.type, m.path.value]),
    INTERNAL.map((p) => ['PathPrefix', p]),
  );
  t.notOk(route.spec.rules[1].backendRefs, 'forwarded nowhere');
  const apiOnly = one(
    render('services.web.enabled=false', 'httpRoute.enabled=true', 'httpRoute.parentRefs[0].name=public'),
    'HTTPRoute',
  );
  t.equal(apiOnly.spec.rules.length, 1, 'without the storefront: the API prefixes only');
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
