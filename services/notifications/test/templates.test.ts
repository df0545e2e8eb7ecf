// The templates as files: every one renders its sample to responsive HTML and plain text with the
// shop's name and links from configuration, amounts exactly, and no placeholder left unfilled.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '@mercato/kit';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { buildAssets } from '../src/build-assets.ts';
import { configSchema } from '../src/config.ts';
import { formatter } from '../src/domain/format.ts';
import { TEMPLATES_DIR, TemplateCatalog } from '../src/domain/templates.ts';
import { FIXTURE_TEMPLATES } from './helpers.ts';

const shop = { name: 'Testshop', url: 'https://shop.test/base' };
const format = formatter('en-GB', 'UTC');

t.test('every template renders its sample as HTML and text', async (t) => {
  const catalog = await TemplateCatalog.load({ shop, format });
  const names = catalog.list().map((x) => x.name);
  t.same(
    names,
    [
      'account-erased',
      'invoice-issued',
      'order-cancelled',
      'order-confirmed',
      'order-delivered',
      'order-placed',
      'order-shipped',
      'password-reset',
      'payment-declined',
      'payment-refunded',
      'registration-refused',
      'stock-low',
      'verify-email',
      'welcome',
    ],
    'one template per message',
  );
  for (const name of names) {
    const r = catalog.render(name, catalog.sample(name));
    t.ok(r.subject.length > 0 && !r.subject.includes('\n'), `${name}: a one-line subject`);
    t.match(r.html, /^<!doctype html>/i, `${name}: an HTML document`);
    t.match(r.html, /@media/, `${name}: responsive (MJML media queries)`);
    t.match(r.html, /Testshop/, `${name}: the shop's name in the HTML`);
    t.match(r.text, /Testshop/, `${name}: the shop's name in the text`);
    t.notMatch(r.html + r.text + r.subject, /\{\{|\}\}/, `${name}: no placeholder left`);
    t.notMatch(r.text, /<[a-z]/i, `${name}: no markup in the text`);
    t.equal(catalog.kind(name), 'transactional');
  }
});

t.test('links come from SHOP_URL, values are escaped in HTML and not in text', async (t) => {
  const catalog = await TemplateCatalog.load({ shop, format });
  const r = catalog.render('password-reset', {
    name: '<Ada & Bob>',
    token: 'a+b/c=',
    expiresAt: '2026-12-02T13:00:00Z',
    validMinutes: 60,
  });
  t.match(r.text, 'https://shop.test/base/reset-password?token=a%2Bb%2Fc%3D');
  t.match(r.text, 'valid for 60 minutes');
  t.match(r.text, '2 December 2026');
  t.match(r.text, 'Hello <Ada & Bob>');
  t.match(r.html, 'Hello &lt;Ada &amp; Bob&gt;');
  t.notMatch(r.html, '<Ada');
});

t.test("order links open the storefront's order page, never the API's /orders", async (t) => {
  const catalog = await TemplateCatalog.load({ shop, format });
  const withText = [
    'order-placed',
    'order-confirmed',
    'order-shipped',
    'order-delivered',
    'payment-declined',
  ];
  for (const name of [...withText, 'invoice-issued']) {
    const { orderId } = catalog.sample(name) as { orderId: string };
    const page = `https://shop.test/base/account/orders/${orderId}`;
    const r = catalog.render(name, { ...catalog.sample(name), orderId });
    t.match(r.html, `href="${page}"`, `${name}: the button opens the order page`);
    if (withText.includes(name)) t.match(r.text, page, `${name}: the text names the order page`);
    t.notMatch(r.html + r.text, 'shop.test/base/orders/', `${name}: no link under the API's /orders prefix`);
  }
});

t.test('dates read in the configured zone; a zone ICU does not know fails the start', async (t) => {
  t.equal(
    formatter('en-GB', 'Europe/Berlin').dateTime('2026-12-04T12:00:00Z'),
    '4 December 2026 at 13:00 CET',
  );
  t.throws(() => formatter('en-GB', 'Mars/Olympus_Mons').check(), RangeError);
  // buildApp checks the configured zone before it opens anything (no database, no broker here).
  const config = loadConfig(configSchema, {
    PORT: '0',
    LOG_LEVEL: 'silent',
    DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    DATABASE_SCHEMA: 'none',
    AMQP_URL: 'amqp://127.0.0.1:1',
    REDIS_URL: 'redis://127.0.0.1:1',
    JWKS_URL: 'http://127.0.0.1:1/jwks',
    MAIL_TIME_ZONE: 'Mars/Olympus_Mons',
  });
  await t.rejects(buildApp(config), RangeError);
});

t.test('money is formatted exactly from the decimal string', async (t) => {
  t.equal(format.money({ amount: '25.00', currency: 'EUR' }), '€25.00');
  t.equal(format.money({ amount: '0.1', currency: 'EUR' }), '€0.10');
  t.equal(format.money({ amount: '1234567890123.4567', currency: 'EUR' }), '€1,234,567,890,123.4567');
  t.equal(format.money({ amount: '9007199254740993.01', currency: 'USD' }), 'US$9,007,199,254,740,993.01');
  t.equal(format.money({ amount: '1500', currency: 'JPY' }), 'JP¥1,500');
  const catalog = await TemplateCatalog.load({ shop, format });
  const r = catalog.render('order-placed', catalog.sample('order-placed'));
  t.match(r.text, '2 x The Hobbit: €20.50');
  t.match(r.text, 'Total: €25.00');
});

t.test('a marketing template says how to unsubscribe', async (t) => {
  const catalog = await TemplateCatalog.load({ dirs: [TEMPLATES_DIR, FIXTURE_TEMPLATES], shop, format });
  t.equal(catalog.kind('promo'), 'marketing');
  const r = catalog.render('promo', { headline: 'Sale', unsubscribeUrl: 'https://api.test/u?token=x' });
  t.match(r.text, 'Unsubscribe: https://api.test/u?token=x');
  t.match(r.html, 'href="https://api.test/u?token&#x3D;x"');
  t.throws(() => catalog.render('nope', {}), /no template "nope"/);
});

/** A folder of the test's own, removed after it. */
function tempDir(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mercato-mail-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test(
  "the build's HTML is what the templates give: every mail renders the same, and mjml does not load",
  async (t) => {
    const dist = tempDir(t);
    const inputs = await buildAssets(dist);
    t.ok(
      inputs.includes(path.join(TEMPLATES_DIR, 'welcome', 'html.mjml')),
      'the templates are inputs of the build',
    );
    const built = await TemplateCatalog.load({
      shop,
      format,
      precompiled: path.join(dist, 'mail-html.json'),
      precompiledTemplates: path.join(dist, 'mail-templates.js'),
    });
    const compiled = await TemplateCatalog.load({
      shop,
      format,
      precompiled: false,
      precompiledTemplates: false,
    });
    t.equal(built.compiledAtLoad, 0, 'nothing compiled at load: every body came from the build');
    t.equal(compiled.compiledAtLoad, 14, 'without the build, every body is compiled at load');
    t.equal(built.handlebarsCompiledAtLoad, 0, 'no Handlebars template compiled at load either');
    t.equal(
      compiled.handlebarsCompiledAtLoad,
      1 + 14 * 3,
      'without the build: the text layout, and the subject, HTML and text of every template',
    );
    for (const { name } of compiled.list()) {
      t.same(
        built.render(name, built.sample(name)),
        compiled.render(name, compiled.sample(name)),
        `${name}: the same mail`,
      );
    }
  },
);

t.test('a stale build: a template changed since, or one it never saw, is compiled at load', async (t) => {
  const dist = tempDir(t);
  await buildAssets(dist);
  const precompiled = path.join(dist, 'mail-html.json');
  const precompiledTemplates = path.join(dist, 'mail-templates.js');
  const templates = tempDir(t);
  cpSync(TEMPLATES_DIR, templates, { recursive: true });
  const body = path.join(templates, 'welcome', 'html.mjml');
  writeFileSync(body, readFileSync(body, 'utf8').replace('<mj-text>', '<mj-text>Changed after the build. '));
  const catalog = await TemplateCatalog.load({
    dirs: [templates],
    shop,
    format,
    precompiled,
    precompiledTemplates,
  });
  t.equal(catalog.compiledAtLoad, 1, 'only the changed template is compiled');
  t.equal(catalog.handlebarsCompiledAtLoad, 1, "and only its HTML's Handlebars template");
  t.match(catalog.render('welcome', catalog.sample('welcome')).html, 'Changed after the build.');
  const extra = await TemplateCatalog.load({
    dirs: [TEMPLATES_DIR, FIXTURE_TEMPLATES],
    shop,
    format,
    precompiled,
  });
  t.equal(extra.compiledAtLoad, 1, "the extra folder's template is compiled, the shipped ones are not");
  t.match(
    extra.render('promo', { headline: 'Sale', unsubscribeUrl: 'https://api.test/u' }).html,
    /^<!doctype html>/i,
  );
  writeFileSync(precompiled, 'not json');
  const unreadable = await TemplateCatalog.load({ shop, format, precompiled });
  t.equal(unreadable.compiledAtLoad, 14, 'an unreadable build file: everything compiled at load');
});
