import { type Html, html } from './html.ts';
import { csrfField, date, layout, type Money, money, type PageContext } from './layout.ts';
import type { Cart } from './shop.ts';

function errorBox(error?: string): Html {
  return error ? html`<p class="flash error" role="alert" id="form-error">${error}</p>` : html``;
}

export function loginPage(ctx: PageContext, opts: { next: string; email?: string; error?: string }): string {
  return layout(
    ctx,
    'Sign in',
    html`<h1>Sign in</h1>
${errorBox(opts.error)}
<form method="post" action="/login" class="stack">
  ${csrfField(ctx)}
  <input type="hidden" name="next" value="${opts.next}">
  <label for="email">E-mail</label>
  <input id="email" name="email" type="email" autocomplete="email" value="${opts.email ?? ''}" required>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>
<p><a href="/forgot-password">Forgot your password?</a></p>
<p>New here? <a href="/register?next=${encodeURIComponent(opts.next)}">Create an account</a>.</p>`,
  );
}

export function registerPage(
  ctx: PageContext,
  opts: { next: string; email?: string; username?: string; error?: string },
): string {
  return layout(
    ctx,
    'Register',
    html`<h1>Create an account</h1>
${errorBox(opts.error)}
<form method="post" action="/register" class="stack">
  ${csrfField(ctx)}
  <input type="hidden" name="next" value="${opts.next}">
  <label for="email">E-mail</label>
  <input id="email" name="email" type="email" autocomplete="email" value="${opts.email ?? ''}" required>
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" value="${opts.username ?? ''}" required minlength="3" maxlength="32" pattern="[A-Za-z0-9_.\\-]+" aria-describedby="username-hint">
  <p id="username-hint" class="hint">Letters, digits, dot, dash or underscore.</p>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="new-password" required minlength="10" aria-describedby="password-hint">
  <p id="password-hint" class="hint">At least 10 characters.</p>
  <button type="submit">Create account</button>
</form>
<p>Already registered? <a href="/login?next=${encodeURIComponent(opts.next)}">Sign in</a>.</p>`,
  );
}

export interface Address {
  id: string;
  recipient?: string;
  street: string;
  city: string;
  postalCode: string;
  country: string;
  isDefault: boolean;
}

export interface QuoteOption {
  level: 'standard' | 'express';
  price: Money;
  estimatedDays: { min: number; max: number };
}

export const TEST_CARDS = [
  { token: 'tok_visa', label: 'Test Visa — always accepted' },
  { token: 'tok_chargeDeclined', label: 'Test card — always declined' },
];

export function cardChoice(name = 'card', selected = 'tok_visa'): Html {
  return html`<fieldset><legend>Payment card</legend>
${TEST_CARDS.map(
  (c, i) =>
    html`<div class="choice"><input type="radio" id="${name}-${i}" name="${name}" value="${c.token}" ${
      c.token === selected ? 'checked' : ''
    }><label for="${name}-${i}">${c.label}</label></div>`,
)}</fieldset>`;
}

export function addressText(a: Omit<Address, 'id' | 'isDefault'>): string {
  return [a.recipient, a.street, `${a.postalCode} ${a.city}`, a.country].filter(Boolean).join(', ');
}

export function addressFields(): Html {
  return html`<label for="street">Street and number</label>
<input id="street" name="street" autocomplete="street-address" required maxlength="200">
<label for="postalCode">Postal code</label>
<input id="postalCode" name="postalCode" autocomplete="postal-code" required maxlength="15">
<label for="city">City</label>
<input id="city" name="city" autocomplete="address-level2" required maxlength="100">
<label for="country">Country</label>
<select id="country" name="country" autocomplete="country">
  <option value="DE">Germany</option><option value="AT">Austria</option><option value="FR">France</option>
  <option value="NL">Netherlands</option><option value="GB">United Kingdom</option><option value="US">United States</option>
</select>`;
}

export function checkoutPage(
  ctx: PageContext,
  opts: {
    cart: Cart;
    addresses: Address[];
    addressId?: string;
    quote?: { quoteId: string; options: QuoteOption[] };
    idempotencyKey: string;
    error?: string;
  },
): string {
  const { cart, addresses } = opts;
  if (addresses.length === 0) {
    return layout(
      ctx,
      'Checkout',
      html`<h1>Checkout</h1>
${errorBox(opts.error)}
<h2>Where should we send it?</h2>
<form method="post" action="/checkout/address" class="stack">${csrfField(ctx)}${addressFields()}
<button type="submit">Use this address</button></form>`,
    );
  }
  return layout(
    ctx,
    'Checkout',
    html`<h1>Checkout</h1>
${errorBox(opts.error)}
<h2>Your order</h2>
<ul class="summary">${cart.lines.map((l) => html`<li>${l.quantity} × ${l.name} — ${money(l.lineTotal)}</li>`)}</ul>
<p>Books: <strong>${money(cart.total)}</strong></p>
<form method="get" action="/checkout" class="stack">
<fieldset><legend>Ship to</legend>
${addresses.map(
  (a) =>
    html`<div class="choice"><input type="radio" id="addr-${a.id}" name="addressId" value="${a.id}" ${
      a.id === opts.addressId ? 'checked' : ''
    }><label for="addr-${a.id}">${addressText(a)}</label></div>`,
)}</fieldset>
<button type="submit" class="secondary">Update shipping options</button>
</form>
<form method="post" action="/checkout" class="stack">
${csrfField(ctx)}
<input type="hidden" name="addressId" value="${opts.addressId ?? ''}">
<input type="hidden" name="cartVersion" value="${cart.version}">
<input type="hidden" name="idempotencyKey" value="${opts.idempotencyKey}">
${
  opts.quote
    ? html`<input type="hidden" name="quoteId" value="${opts.quote.quoteId}">
<fieldset><legend>Shipping</legend>
${opts.quote.options.map(
  (o, i) =>
    html`<div class="choice"><input type="radio" id="ship-${o.level}" name="level" value="${o.level}" ${
      i === 0 ? 'checked' : ''
    }><label for="ship-${o.level}">${o.level === 'express' ? 'Express' : 'Standard'} — ${money(o.price)}, ${o.estimatedDays.min}–${o.estimatedDays.max} days</label></div>`,
)}</fieldset>`
    : html`<p>Shipping is included.</p>`
}
${cardChoice()}
<button type="submit">Place order</button>
</form>`,
  );
}

export interface Order {
  id: string;
  status: string;
  version: number;
  lines: {
    id: string;
    productId: string;
    name: string;
    quantity: number;
    unitPrice: Money;
    lineTotal: Money;
  }[];
  subtotal: Money;
  shipping: { level: string; price: Money } | null;
  total: Money;
  shippingAddress?: (Omit<Address, 'id' | 'isDefault'> & { name?: string }) | null;
  cancelReason?: string;
  payment?: { failedAt: string; reason: string; retryUntil: string };
  createdAt: string;
  userId: string;
}
export interface StatusView {
  status: string;
  cancelReason?: string;
  payment?: Order['payment'];
  history: { from: string | null; to: string; at: string; cause: string }[];
}

export const FINAL = new Set(['DELIVERED', 'CANCELLED']);

/** What the order page shows that can change: the live stream reloads the page when this differs. */
export function orderState(status: string, invoice: boolean, paymentFailed: boolean): string {
  return `${status}|${invoice ? 'invoice' : ''}|${paymentFailed ? 'declined' : ''}`;
}
const INVOICED = new Set(['CONFIRMED', 'SHIPPED', 'DELIVERED']);

export function orderPage(
  ctx: PageContext,
  order: Order,
  status: StatusView,
  opts: { hasInvoice: boolean; retryKey: string },
): string {
  const live = !FINAL.has(order.status);
  return layout(
    ctx,
    `Order ${order.id.slice(-8)}`,
    html`<h1>Order <span class="mono">${order.id.slice(-8)}</span></h1>
<section aria-labelledby="status-h" class="status-box" id="order" data-order-id="${order.id}" data-status="${order.status}" data-live="${live ? 'yes' : 'no'}" data-state="${orderState(order.status, opts.hasInvoice, !!order.payment)}">
<h2 id="status-h">Status</h2>
<p id="order-status" class="status ${order.status.toLowerCase()}" role="status" aria-live="polite">${order.status}</p>
${order.cancelReason ? html`<p>Cancelled: ${order.cancelReason.replace(/_/g, ' ')}</p>` : ''}
${live ? html`<p class="hint" id="live-hint">This page follows your order live.</p>` : ''}
<ol class="history">${status.history.map((h) => html`<li>${date(h.at)}: ${h.to} <span class="hint">(${h.cause})</span></li>`)}</ol>
</section>
${
  order.status === 'PENDING' && order.payment
    ? html`<section aria-labelledby="pay-h" class="retry">
<h2 id="pay-h">Payment declined</h2>
<p role="alert">Your card was declined (${order.payment.reason.replace(/_/g, ' ')}). Pay with another card before ${date(order.payment.retryUntil)}; your books are held until then.</p>
<form method="post" action="/account/orders/${order.id}/pay" class="stack">${csrfField(ctx)}
<input type="hidden" name="idempotencyKey" value="${opts.retryKey}">
${cardChoice('card', 'tok_visa')}
<button type="submit">Pay again</button></form>
</section>`
    : ''
}
${
  INVOICED.has(order.status)
    ? html`<p id="invoice">${
        opts.hasInvoice
          ? html`<a class="button" href="/account/orders/${order.id}/invoice.pdf" download>Download invoice (PDF)</a>`
          : html`The invoice is being issued; it will appear here.`
      }</p>`
    : ''
}
<h2>Items</h2>
<table><caption class="visually-hidden">Items of the order</caption>
<thead><tr><th scope="col">Book</th><th scope="col">Quantity</th><th scope="col">Total</th></tr></thead>
<tbody>${order.lines.map((l) => html`<tr><th scope="row">${l.name}</th><td>${l.quantity}</td><td>${money(l.lineTotal)}</td></tr>`)}</tbody>
<tfoot>
${order.shipping ? html`<tr><th scope="row" colspan="2">Shipping (${order.shipping.level})</th><td>${money(order.shipping.price)}</td></tr>` : ''}
<tr><th scope="row" colspan="2">Total</th><td>${money(order.total)}</td></tr></tfoot>
</table>
${order.shippingAddress ? html`<p>Ships to: ${addressText(order.shippingAddress)}</p>` : ''}`,
    { scripts: live ? ['/assets/order-status.js'] : [] },
  );
}

export function ordersPage(ctx: PageContext, orders: Order[]): string {
  return layout(
    ctx,
    'Your orders',
    html`<h1>Your orders</h1>
${
  orders.length
    ? html`<table><caption class="visually-hidden">Your orders</caption>
<thead><tr><th scope="col">Order</th><th scope="col">Placed</th><th scope="col">Status</th><th scope="col">Total</th></tr></thead>
<tbody>${orders.map(
        (o) =>
          html`<tr><th scope="row"><a href="/account/orders/${o.id}">${o.id.slice(-8)}</a></th><td>${date(o.createdAt)}</td><td>${o.status}</td><td>${money(o.total)}</td></tr>`,
      )}</tbody></table>`
    : html`<p>No orders yet.</p>`
}`,
  );
}

export function accountPage(
  ctx: PageContext,
  me: { email: string; username?: string; name?: string | null },
  addresses: Address[],
): string {
  return layout(
    ctx,
    'Account',
    html`<h1>Your account</h1>
<p>Signed in as <strong>${me.email}</strong>${me.username ? html` (${me.username})` : ''}.</p>
<section aria-labelledby="addr-h"><h2 id="addr-h">Addresses</h2>
${
  addresses.length
    ? html`<ul>${addresses.map(
        (a) => html`<li>${addressText(a)}${a.isDefault ? ' (default)' : ''}
<form method="post" action="/account/addresses/${a.id}/delete" class="inline">${csrfField(ctx)}<button type="submit" aria-label="Delete address ${addressText(a)}">Delete</button></form></li>`,
      )}</ul>`
    : html`<p>No addresses yet.</p>`
}
<details><summary>Add an address</summary>
<form method="post" action="/account/addresses" class="stack">${csrfField(ctx)}${addressFields()}<button type="submit">Add address</button></form>
</details></section>
<section aria-labelledby="pw-h"><h2 id="pw-h">Change password</h2>
<form method="post" action="/account/password" class="stack">${csrfField(ctx)}
<label for="currentPassword">Current password</label>
<input id="currentPassword" name="currentPassword" type="password" autocomplete="current-password" required>
<label for="newPassword">New password</label>
<input id="newPassword" name="password" type="password" autocomplete="new-password" required minlength="10">
<button type="submit">Change password</button></form></section>
<section aria-labelledby="erase-h"><h2 id="erase-h">Erase account</h2>
<p>This erases your account and personal data. Orders and invoices are kept, without your name and address.</p>
<form method="post" action="/account/erase" class="stack">${csrfField(ctx)}
<label for="erasePassword">Password</label>
<input id="erasePassword" name="password" type="password" autocomplete="current-password" required>
<button type="submit" class="danger">Erase my account</button></form></section>`,
  );
}

export function errorPage(ctx: PageContext, status: number, title: string, detail: string): string {
  return layout(
    ctx,
    title,
    html`<h1>${title}</h1><p>${detail}</p><p><a href="/">Back to the shop</a></p><!-- ${String(status)} -->`,
  );
}
