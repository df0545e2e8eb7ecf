// The templates as files: every one renders its sample to responsive HTML and plain text with the
// shop's name and links from configuration, amounts exactly, and no placeholder left unfilled.
import t from 'tap';
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
