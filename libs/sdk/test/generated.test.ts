// The committed types are what the live document generates: starts every service behind a gateway,
// reads /docs/json, runs the generator and compares. Fails when a route changed and nobody ran
// `npm run sdk:generate`.
import t from 'tap';
import { fetchMergedDocument } from '../../../test/contract/openapi.ts';
import { differences, generate } from '../src/codegen/generate.ts';

t.test('libs/sdk/src/generated matches the gateway document', async (t) => {
  const document = await fetchMergedDocument();
  t.same(document['x-mercato-skipped'], [], 'every service documented');
  const files = await generate(document);
  t.ok(files['openapi.ts'].includes("'/orders/{id}'"), 'the generator ran');
  const stale = await differences(files);
  t.same(stale, [], stale.length ? `stale: ${stale.join(', ')} — run npm run sdk:generate` : 'up to date');
});
