// The scenario in a real browser (Debian's Chromium, phone-sized), against the whole system:
// a guest searches with a typo, adds to the cart, registers, checks out with a declined card, pays
// again with a good one, sees the order CONFIRMED live and downloads the invoice PDF; the admin ships
// it and the customer's open page shows SHIPPED. What the shop learnt from the orders: the book's page
// shows what was bought with it, the home page the popular books and the customer's own "for you".
// Every page: a screenshot, axe-core with no serious or critical violation, no console error.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import t from 'tap';
import { adminClient, newCustomer, stockedProduct, waitForStatus } from '../support/client.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../support/system.ts';
import { type Shop, startShop, type Watched, watchedPage } from './harness.ts';

t.setTimeout(240_000);

let shop: Shop;
t.before(async () => {
  shop = await startShop({
    shipping: true,
    env: {
      // A declined card leaves the order PENDING for a retry (the shop's default is 10 minutes).
      orders: { PAYMENT_RETRY_WINDOW_MS: '600000' },
      // The carrier does not move parcels by itself here: the admin ships.
      'fake-carrier': { AUTO_ADVANCE_MS: '0' },
    },
  });
});
t.teardown(async () => {
  if (process.env.WEB_LOG) console.error(shop?.webLog());
  await shop?.stop();
});

/** Reloads the page until `locator` is on it: recommendations learn from the orders' events. */
async function reloadUntil(page: Page, locator: Locator, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await locator.count()) === 0) {
    if (Date.now() > deadline) throw new Error(`${locator} not on ${page.url()} after ${timeoutMs} ms`);
    await page.waitForTimeout(300);
    await page.reload();
  }
}

t.test(
  'guest to customer: search, cart, register, declined card, retry, live status, invoice; admin ships',
  async (t) => {
    const admin = await adminClient(shop.url);
    const { productId } = await stockedProduct(admin, { onHand: 20, price: '12.99', name: 'The Hobbit' });
    // The catalog learns the stock from inventory's events: wait until it shows the book in stock.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const p = await admin.get(`/products/${productId}`);
      if (p.body?.availability?.status === 'in_stock') break;
      if (Date.now() > deadline) throw new Error(`product never in stock: ${JSON.stringify(p.body)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // Earlier customers bought it together with another book: what "bought together" and the
    // popular books are learnt from.
    const { productId: silmarillionId } = await stockedProduct(admin, {
      onHand: 20,
      price: '9.99',
      name: 'The Silmarillion',
    });
    const earlier = await newCustomer(shop.url);
    for (let i = 0; i < 2; i++) {
      const placed = await earlier.client.post('/orders', {
        lines: [
          { productId, quantity: 1 },
          { productId: silmarillionId, quantity: 1 },
        ],
        shippingAddressId: earlier.addressId,
        paymentMethod: { type: 'card', token: 'tok_visa' },
      });
      t.equal(placed.status, 201, `an earlier order with both books (${i + 1})`);
      t.equal((await waitForStatus(earlier.client, placed.body.id)).status, 'CONFIRMED');
    }

    const customer = await watchedPage(shop.browser, 'customer');
    const page = customer.page;
    const base = shop.url;

    await page.goto(`${base}/`);
    t.equal(await page.title(), 'Books · Mercato', 'the gateway serves the storefront at /');
    await customer.step('home');

    // Search with a typo.
    await page.getByLabel('Search books').fill('hobit');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/search\?q=hobit/);
    const hit = page.getByRole('link', { name: 'The Hobbit' });
    t.equal(await hit.count(), 1, '"hobit" finds The Hobbit');
    await customer.step('search-typo');

    await hit.click();
    await page.waitForURL(`${base}/books/${productId}`);
    t.match(
      await page.locator('article.product .availability').innerText(),
      /In stock/,
      'the product page shows availability',
    );
    await customer.step('product');

    await page.getByLabel('Quantity').fill('2');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.waitForURL(`${base}/cart`);
    t.match(await page.locator('#cart-total').innerText(), /25\.98/, 'the guest cart holds 2 × 12.99');
    await customer.step('guest-cart');

    // Checkout needs an account: register from the sign-in page, then back to checkout.
    await page.getByRole('link', { name: 'Checkout' }).click();
    await page.waitForURL(/\/login\?next=%2Fcheckout/);
    await customer.step('sign-in');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL(/\/register/);
    const tag = randomBytes(4).toString('hex');
    await page.getByLabel('E-mail').fill(`ann_${tag}@mercato.test`);
    await page.getByLabel('Username').fill(`ann_${tag}`);
    await page.getByLabel('Password').fill(`correct-Horse-${tag}`);
    await customer.step('register');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${base}/checkout`);

    // First checkout: an address, then shipping options and the card.
    await page.getByLabel('Street and number').fill('Unter den Linden 1');
    await page.getByLabel('Postal code').fill('10117');
    await page.getByLabel('City').fill('Berlin');
    await page.getByLabel('Country').selectOption('DE');
    await customer.step('address');
    await page.getByRole('button', { name: 'Use this address' }).click();
    await page.waitForURL(/\/checkout\?addressId=/);
    t.match(
      await page.locator('main').innerText(),
      /2 × The Hobbit/,
      'the guest cart was merged into the customer’s',
    );
    t.ok(await page.getByLabel(/Express/).count(), 'shipping options are offered');
    await page.getByLabel(/Express/).check();
    await page.getByLabel('Test card — always declined').check();
    await customer.step('checkout');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.waitForURL(/\/account\/orders\/[0-9a-f-]{36}$/);
    const orderId = page.url().split('/').pop() as string;

    // The decline arrives by events: the page follows live and offers to pay again.
    await page.getByRole('heading', { name: 'Payment declined' }).waitFor({ timeout: 20_000 });
    t.equal(await page.locator('#order-status').innerText(), 'PENDING', 'a declined order stays PENDING');
    await customer.step('declined');
    await page.getByLabel('Test Visa — always accepted').check();
    await page.getByRole('button', { name: 'Pay again' }).click();
    await page.waitForURL(`${base}/account/orders/${orderId}`);
    await page.locator('#order-status', { hasText: 'CONFIRMED' }).waitFor({ timeout: 20_000 });
    const invoiceLink = page.getByRole('link', { name: 'Download invoice (PDF)' });
    await invoiceLink.waitFor({ timeout: 20_000 });
    t.pass('the order became CONFIRMED and its invoice appeared on the open page');
    await customer.step('confirmed');

    const [download] = await Promise.all([page.waitForEvent('download'), invoiceLink.click()]);
    const pdf = readFileSync((await download.path()) as string);
    t.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-', 'the invoice downloads as a PDF');
    t.match(download.suggestedFilename(), /^invoice-.*\.pdf$/, 'named after the invoice');

    // The admin ships it from the admin area (a desktop-sized window this time).
    const adminView = await watchedPage(shop.browser, 'admin', { width: 1280, height: 900 });
    await adminView.page.goto(`${base}/login?next=/admin/orders`);
    await adminView.page.getByLabel('E-mail').fill(ADMIN_EMAIL);
    await adminView.page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await adminView.page.getByRole('button', { name: 'Sign in' }).click();
    await adminView.page.waitForURL(`${base}/admin/orders`);
    await adminView.step('orders');
    await adminView.page.getByRole('button', { name: `Ship order ${orderId}` }).click();
    await adminView.page.waitForURL(`${base}/admin/orders`);
    t.equal(
      await adminView.page.locator(`#order-${orderId} .order-status`).innerText(),
      'SHIPPED',
      'the admin list shows it SHIPPED',
    );
    await adminView.step('shipped');

    // The customer's page, still open, follows.
    await page.locator('#order-status', { hasText: 'SHIPPED' }).waitFor({ timeout: 20_000 });
    t.pass("the customer's open order page shows SHIPPED");
    await customer.step('shipped');

    // The rest of the admin area and the customer's account pages: rendered, accessible, no errors.
    for (const [path, heading] of [
      ['/admin/products', 'Products'],
      ['/admin/stock', 'Stock per store'],
      ['/admin/low-stock', 'Low stock'],
      ['/admin/shipments', 'Shipments'],
    ]) {
      await adminView.page.goto(`${base}${path}`);
      await adminView.page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await adminView.step(path.split('/').pop() as string);
    }
    t.match(await adminView.page.locator('main').innerText(), new RegExp(orderId), 'the shipment is listed');
    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    await page.getByRole('link', { name: orderId.slice(-8) }).waitFor();
    await customer.step('orders');
    await page.getByRole('link', { name: 'Account', exact: true }).click();
    t.match(
      await page.locator('main').innerText(),
      /Unter den Linden 1/,
      'the account page lists the address',
    );
    await customer.step('account');

    // What the shop learnt from the orders. The book's page: what was bought with it, linking to its
    // page, with price and availability.
    await page.goto(`${base}/books/${productId}`);
    const together = page.getByRole('list', { name: 'Bought together' });
    await reloadUntil(page, together.getByRole('link', { name: 'The Silmarillion' }));
    t.match(
      await together.innerText(),
      /The Silmarillion[\s\S]*€9\.99[\s\S]*In stock/,
      'bought together, priced',
    );
    await customer.step('bought-together');
    await together.getByRole('link', { name: 'The Silmarillion' }).click();
    await page.waitForURL(`${base}/books/${silmarillionId}`);
    t.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'The Silmarillion', 'its own page');

    // The home page: the popular books, and for this customer what goes with what they bought.
    await page.goto(`${base}/`);
    const popular = page.getByRole('list', { name: 'Popular books' });
    await reloadUntil(page, popular.getByRole('link', { name: 'The Hobbit' }));
    t.match(await popular.innerText(), /The Hobbit[\s\S]*€12\.99[\s\S]*In stock/, 'popular, priced');
    const forYou = page.getByRole('list', { name: 'Recommended for you' });
    await reloadUntil(page, forYou.getByRole('link', { name: 'The Silmarillion' }));
    t.notMatch(await forYou.innerText(), /The Hobbit/, 'never what the customer bought');
    t.equal(
      await forYou.getByRole('link', { name: 'The Silmarillion' }).getAttribute('href'),
      `/books/${silmarillionId}`,
      'linking to its page',
    );
    await customer.step('home-recommended');

    // The browser never holds a token: one HttpOnly, SameSite=Lax session cookie, nothing in storage.
    const cookies = await customer.context.cookies();
    t.same(
      cookies.map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite })),
      [{ name: 'mercato.sid', httpOnly: true, sameSite: 'Lax' }],
      'the only cookie is the HttpOnly session id',
    );
    const storage = await page.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
    );
    t.equal(storage, '{}{}', 'nothing in localStorage or sessionStorage');

    for (const w of [customer, adminView] as Watched[]) {
      t.same(w.violations, [], 'no serious or critical accessibility violation');
      t.same(w.consoleErrors, [], 'no console error');
    }
  },
);
