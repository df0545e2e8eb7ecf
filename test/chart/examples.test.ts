// The production example's infrastructure validates against the operators' vendored CRD schemas,
// and those schemas do refuse what the API server would: a misspelt field, a wrong type, a bad enum.
// The HTTPRoute check refuses a malformed route the same way.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { type Obj, parseYamlDocs } from '../../scripts/check-deploy/objects.ts';
import { validateSchemas } from '../../scripts/check-deploy/schemas.ts';

const FILE = path.join(import.meta.dirname, '../../charts/examples/production/infrastructure.yaml');
const docs = () => parseYamlDocs(fs.readFileSync(FILE, 'utf8'), 'infrastructure.yaml').docs;
const byKind = (all: Obj[], kind: string) => all.find((d) => d.kind === kind)!;

t.test('the example is valid as it is', async (t) => {
  const all = docs();
  t.ok(byKind(all, 'Cluster') && byKind(all, 'RabbitmqCluster') && byKind(all, 'StatefulSet'));
  t.same(await validateSchemas(all), []);
});

t.test('a CloudNativePG Cluster with a mistake is refused', async (t) => {
  const cases: [string, (c: Obj) => void, RegExp][] = [
    ['misspelt field', (c) => (c.spec.instance = 3), /must NOT have additional properties \(instance\)/],
    ['wrong type', (c) => (c.spec.instances = 'three'), /\/spec\/instances must be integer/],
    ['below minimum', (c) => (c.spec.instances = 0), /\/spec\/instances must be >= 1/],
    [
      'bad enum',
      (c) => (c.spec.primaryUpdateStrategy = 'auto'),
      /\/spec\/primaryUpdateStrategy must be equal to one of/,
    ],
    [
      'nested misspelling',
      (c) => (c.spec.bootstrap.initdb.ownr = 'x'),
      /\/spec\/bootstrap\/initdb must NOT have additional properties \(ownr\)/,
    ],
    ['required field', (c) => delete c.spec.instances, /\/spec must have required property 'instances'/],
  ];
  for (const [what, mutate, message] of cases) {
    const all = docs();
    mutate(byKind(all, 'Cluster'));
    const problems = await validateSchemas(all);
    t.equal(problems.length, 1, what);
    t.match(problems[0], message, what);
  }
});

t.test('a RabbitmqCluster with a mistake is refused', async (t) => {
  const cases: [string, (c: Obj) => void, RegExp][] = [
    ['misspelt field', (c) => (c.spec.replica = 3), /additional properties \(replica\)/],
    [
      'bad service type',
      (c) => (c.spec.service.type = 'Ingress'),
      /\/spec\/service\/type must be equal to one of/,
    ],
    [
      'bad quantity',
      (c) => (c.spec.persistence.storage = 'twenty'),
      /\/spec\/persistence\/storage must match pattern/,
    ],
    [
      'config too long',
      (c) => (c.spec.rabbitmq.additionalConfig = 'x'.repeat(2001)),
      /must NOT have more than 2000 characters/,
    ],
  ];
  for (const [what, mutate, message] of cases) {
    const all = docs();
    mutate(byKind(all, 'RabbitmqCluster'));
    const problems = await validateSchemas(all);
    t.equal(problems.length, 1, what);
    t.match(problems[0], message, what);
  }
});

t.test('a malformed HTTPRoute is refused', async (t) => {
  const route = (spec: Obj): Obj => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'r' },
    spec,
    __source: 'test',
  });
  const good = {
    parentRefs: [{ name: 'public' }],
    rules: [
      {
        matches: [{ path: { type: 'PathPrefix', value: '/orders' } }],
        backendRefs: [{ name: 'g', port: 8080 }],
      },
    ],
  };
  t.same(await validateSchemas([route(good)]), []);
  const bad = structuredClone(good);
  bad.rules[0]!.matches[0]!.path.type = 'Prefix';
  t.match((await validateSchemas([route(bad)]))[0], /path\/type must be equal to one of/);
  t.match(
    (await validateSchemas([route({ ...good, parentRef: [] })]))[0],
    /additional properties \(parentRef\)/,
  );
});
