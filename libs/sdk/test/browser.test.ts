// The SDK works in a browser: its entry bundles for the browser platform with no Node built-in
// anywhere in the module graph, and the bundle runs with only the web globals it needs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { build } from 'esbuild';
import t from 'tap';

const entry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/index.ts');

t.test('the entry bundles for the browser without a Node module', async (t) => {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  t.same(result.errors, [], 'no build errors (a node: import would not resolve for the browser)');
  const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
  const nodeOnly = imports.filter(
    (p) => p.startsWith('node:') || /^(fs|path|os|crypto|http|https|child_process|url|util|stream)$/.test(p),
  );
  t.same(nodeOnly, [], 'no Node built-in imported');
  t.ok(
    Object.keys(result.metafile.inputs).some((p) => p.includes('openapi-fetch')),
    'openapi-fetch is in the bundle',
  );
  const inputs = Object.keys(result.metafile.inputs);
  t.notOk(
    inputs.some((p) => p.includes('codegen')),
    'the generator is not part of it',
  );
  const code = result.outputFiles[0].text;
  t.ok(code.length < 60_000, `small bundle (${code.length} bytes; the types weigh nothing)`);

  // Run it in a bare context with only the browser globals the SDK uses: no process, no require.
  const iife = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'MercatoSDK',
    write: false,
    logLevel: 'silent',
  });
  const context = vm.createContext({
    fetch,
    Request,
    Response,
    Headers,
    URL,
    URLSearchParams,
    FormData,
    crypto,
    setTimeout,
    clearTimeout,
    console,
  });
  vm.runInContext(`${iife.outputFiles[0].text}; globalThis.MercatoSDK = MercatoSDK;`, context);
  const sdk = (context as any).MercatoSDK;
  t.equal(typeof sdk.createMercato, 'function');
  t.match(sdk.newIdempotencyKey(), /^[0-9a-f-]{36}$/);
  const mercato = sdk.createMercato({ baseUrl: '' });
  t.equal(typeof mercato.api.GET, 'function');
  t.equal(vm.runInContext('typeof process', context), 'undefined', 'ran without process');
});
