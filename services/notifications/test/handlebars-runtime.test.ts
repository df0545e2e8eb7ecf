// A start from the build loads Handlebars' runtime only: the parser and compiler (and source-map) never
// load, yet every mail renders as it does from the sources. Its own file: tap runs each file in a
// process of its own, and any other test here compiles templates.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { formatter } from '../src/domain/format.ts';
import { TemplateCatalog } from '../src/domain/templates.ts';

const shop = { name: 'Testshop', url: 'https://shop.test/base' };
const format = formatter('en-GB', 'UTC');
const loaded = () => Object.keys(createRequire(import.meta.url).cache);
const compilerLoaded = () =>
  loaded().some((f) => /handlebars[\\/]dist[\\/]cjs[\\/]handlebars[\\/]compiler/.test(f));

t.test("a catalog from the build renders every mail without Handlebars' compiler", async (t) => {
  const dist = mkdtempSync(path.join(os.tmpdir(), 'mercato-hbs-'));
  t.teardown(() => rmSync(dist, { recursive: true, force: true }));
  // The build (which needs the compiler) in a process of its own, as scripts/build runs it.
  const buildAssets = path.resolve(import.meta.dirname, '../src/build-assets.ts');
  execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `import(${JSON.stringify(buildAssets)}).then((m) => m.buildAssets(${JSON.stringify(dist)}))`,
    ],
    { stdio: 'inherit' },
  );
  t.notOk(compilerLoaded(), 'the compiler is not loaded before the catalog');
  const built = await TemplateCatalog.load({
    shop,
    format,
    precompiled: path.join(dist, 'mail-html.json'),
    precompiledTemplates: path.join(dist, 'mail-templates.js'),
  });
  t.equal(built.handlebarsCompiledAtLoad, 0);
  const mails = built.list().map(({ name }) => built.render(name, built.sample(name)));
  t.ok(mails.length >= 14 && mails.every((m) => m.subject && m.html && m.text), 'every mail renders');
  t.ok(
    loaded().some((f) => /handlebars[\\/]runtime\.js$/.test(f)),
    "Handlebars' runtime is loaded",
  );
  t.notOk(compilerLoaded(), "Handlebars' compiler is not");

  // The control: a build file without the templates loads the compiler (the check above can fail).
  // Another file name: an ES module is loaded once per URL.
  writeFileSync(path.join(dist, 'no-templates.js'), 'export default {};\n');
  const stale = await TemplateCatalog.load({
    shop,
    format,
    precompiled: path.join(dist, 'mail-html.json'),
    precompiledTemplates: path.join(dist, 'no-templates.js'),
  });
  t.equal(stale.handlebarsCompiledAtLoad, 1 + mails.length * 3, 'every template compiled at load');
  t.same(
    stale.list().map(({ name }) => stale.render(name, stale.sample(name))),
    mails,
    'the same mails from the sources',
  );
  t.ok(compilerLoaded(), 'and the compiler loaded');
});
