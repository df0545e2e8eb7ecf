// The chart's values.schema.json: helm refuses wrong values with a message naming the value, and
// accepts values.yaml, values-dev.yaml and the production example.
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import t, { type Test } from 'tap';
import { parse } from 'yaml';
import { run } from '../../scripts/check-deploy/exec.ts';
import { obtainHelm, productionValues, template } from '../../scripts/check-deploy/helm.ts';

const CHART = path.join(import.meta.dirname, '../../charts/mercato');
const helm = await obtainHelm();

/** helm template with these --set values must fail with a message matching `message`. */
async function refused(t: Test, sets: string[], message: RegExp): Promise<void> {
  const r = template(
    helm,
    CHART,
    sets.flatMap((s) => ['--set', s]),
  );
  t.notOk(r.ok, `--set ${sets.join(' ')} is refused`);
  t.match(r.stderr, /values don't meet the specifications of the schema/);
  t.match(r.stderr, message);
}

t.test('wrong values are refused with a message that names them', async (t) => {
  await refused(t, ['defaults.replicas=two'], /at '\/defaults\/replicas': got string, want integer/);
  await refused(t, ['defaults.replicas=0'], /at '\/defaults\/replicas': minimum: got 0, want 1/);
  await refused(t, ['replcias=3'], /additional properties 'replcias' not allowed/);
  await refused(
    t,
    ['services.odrers.replicas=3'],
    /at '\/services': additional properties 'odrers' not allowed/,
  );
  await refused(
    t,
    ['services.orders.replcias=3'],
    /at '\/services\/orders': additional properties 'replcias' not allowed/,
  );
  await refused(
    t,
    ['migrations.mode=hook'],
    /at '\/migrations\/mode': value must be one of 'initContainer', 'startup'/,
  );
  await refused(t, ['config.logLevel=verbose'], /at '\/config\/logLevel': value must be one of/);
  await refused(t, ['smtp.security=ssl'], /at '\/smtp\/security'/);
  await refused(
    t,
    ['ingress.hosts[0].host=a.example', 'ingress.hosts[0].paths[0].path=/'],
    /additional properties 'paths' not allowed/,
  );
  await refused(t, ['services.gateway.publicPaths[0]=/metrics'], /at '\/services\/gateway\/publicPaths\/0'/);
  await refused(t, ['httpRoute.enabled=true'], /at '\/httpRoute\/parentRefs': minItems: got 0, want 1/);
  await refused(t, ['secrets.carrierWebhookSecret=short'], /at '\/secrets\/carrierWebhookSecret'/);
  await refused(t, ['secrets.sessionSecret=short'], /at '\/secrets\/sessionSecret'/);
  await refused(t, ['services.web.component=storefront'], /at '\/services\/web\/component'/);
});

t.test('values.yaml, values-dev.yaml and the production example pass helm lint --strict', async (t) => {
  for (const file of [undefined, path.join(CHART, 'values-dev.yaml'), productionValues(CHART)]) {
    const lint = run(helm, ['lint', '--strict', CHART, ...(file ? ['-f', file] : [])]);
    t.ok(
      lint.ok,
      `helm lint --strict ${file ? `${path.basename(path.dirname(file))}/${path.basename(file)}` : 'values.yaml'}`,
      {
        output: lint.stdout + lint.stderr,
      },
    );
  }
});

t.test(
  'the schema itself: draft-07, no unknown keys at the top, every values.yaml key declared',
  async (t) => {
    const schema = JSON.parse(fs.readFileSync(path.join(CHART, 'values.schema.json'), 'utf8'));
    t.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    t.equal(schema.additionalProperties, false);
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    const values = parse(fs.readFileSync(path.join(CHART, 'values.yaml'), 'utf8'));
    t.ok(validate(values), 'values.yaml is valid on its own', { errors: validate.errors });
    const broken = structuredClone(values);
    broken.defaults.autoscaling.maxReplicas = '6';
    t.notOk(validate(broken), 'a number given as a string is refused');
  },
);
