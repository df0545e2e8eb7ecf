import type { Order } from './customer.ts';
import { html } from './html.ts';
import { csrfField, date, layout, type Money, money, type PageContext } from './layout.ts';
import type { Product } from './shop.ts';

/** The transitions an admin may make from each status (orders refuses any other with 409). */
export const TRANSITIONS: Record<string, string[]> = {
  PENDING: ['CANCELLED'],
  CONFIRMED: ['SHIPPED', 'CANCELLED'],
  SHIPPED: ['DELIVERED'],
};

const STATUSES = ['PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED'];

function adminNav() {
  return html`<nav aria-label="Admin" class="subnav"><ul>
<li><a href="/admin/orders">Orders</a></li><li><a href="/admin/products">Products</a></li>
<li><a href="/admin/stock">Stock</a></li><li><a href="/admin/low-stock">Low stock</a></li>
<li><a href="/admin/shipments">Shipments</a></li></ul></nav>`;
}

export function adminHome(ctx: PageContext): string {
  return layout(
    ctx,
    'Admin',
    html`<h1>Admin</h1>${adminNav()}<p>Manage orders, products, stock and shipments.</p>`,
  );
}

export function adminOrdersPage(ctx: PageContext, orders: Order[], status?: string): string {
  return layout(
    ctx,
    'Admin: orders',
    html`<h1>Orders</h1>${adminNav()}
<form method="get" action="/admin/orders" class="inline">
<label for="status">Status</label>
<select id="status" name="status"><option value="">Any</option>${STATUSES.map(
      (s) => html`<option value="${s}" ${s === status ? 'selected' : ''}>${s}</option>`,
    )}</select>
<button type="submit">Filter</button></form>
<table><caption class="visually-hidden">Orders</caption>
<thead><tr><th scope="col">Order</th><th scope="col">Placed</th><th scope="col">Status</th><th scope="col">Total</th><th scope="col">Actions</th></tr></thead>
<tbody>${orders.map(
      (
        o,
      ) => html`<tr id="order-${o.id}"><th scope="row" class="mono">${o.id}</th><td>${date(o.createdAt)}</td><td class="order-status">${o.status}</td><td>${money(o.total)}</td>
<td>${(TRANSITIONS[o.status] ?? []).map(
        (
          to,
        ) => html`<form method="post" action="/admin/orders/${o.id}/status" class="inline">${csrfField(ctx)}
<input type="hidden" name="version" value="${o.version}"><input type="hidden" name="status" value="${to}">
<button type="submit" aria-label="${to === 'SHIPPED' ? 'Ship' : to === 'CANCELLED' ? 'Cancel' : 'Mark delivered'} order ${o.id}">${
          to === 'SHIPPED' ? 'Ship' : to === 'CANCELLED' ? 'Cancel' : 'Mark delivered'
        }</button></form>`,
      )}</td></tr>`,
    )}</tbody></table>`,
  );
}

export function adminProductsPage(ctx: PageContext, products: Product[]): string {
  return layout(
    ctx,
    'Admin: products',
    html`<h1>Products</h1>${adminNav()}
<table><caption class="visually-hidden">Products</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Category</th><th scope="col">Price</th><th scope="col">Availability</th></tr></thead>
<tbody>${products.map(
      (p) =>
        html`<tr><th scope="row"><a href="/books/${p.id}">${p.name}</a></th><td>${p.category}</td><td>${money(p.price)}</td><td>${p.availability?.status ?? ''}</td></tr>`,
    )}</tbody></table>
<h2>New product</h2>
<form method="post" action="/admin/products" class="stack">${csrfField(ctx)}
<label for="p-name">Title</label><input id="p-name" name="name" required maxlength="200">
<label for="p-author">Author</label><input id="p-author" name="author" maxlength="200">
<label for="p-description">Description</label><textarea id="p-description" name="description" maxlength="2000"></textarea>
<label for="p-category">Category (slug)</label><input id="p-category" name="category" required value="books" pattern="[a-z0-9-]+">
<label for="p-price">Price (EUR)</label><input id="p-price" name="price" required pattern="\\d{1,9}(\\.\\d{1,2})?" inputmode="decimal">
<button type="submit">Create product</button></form>`,
  );
}

export interface Stock {
  id: string;
  productId: string;
  storeId: string;
  onHand: number;
  reserved: number;
  available: number;
  lowStockThreshold: number;
  version: number;
}
export interface Store {
  id: string;
  code: string;
  name: string;
}

export function adminStockPage(
  ctx: PageContext,
  stocks: Stock[],
  names: { products: Map<string, string>; stores: Map<string, string> },
  title = 'Stock per store',
): string {
  const low = title !== 'Stock per store';
  return layout(
    ctx,
    `Admin: ${title.toLowerCase()}`,
    html`<h1>${title}</h1>${adminNav()}
${
  stocks.length
    ? html`<table><caption class="visually-hidden">${title}</caption>
<thead><tr><th scope="col">Product</th><th scope="col">Store</th><th scope="col">On hand</th><th scope="col">Reserved</th><th scope="col">Available</th><th scope="col">Low at</th>${
        low ? '' : html`<th scope="col">Set on hand</th>`
      }</tr></thead>
<tbody>${stocks.map(
        (
          s,
        ) => html`<tr><th scope="row">${names.products.get(s.productId) ?? s.productId}</th><td>${names.stores.get(s.storeId) ?? s.storeId}</td>
<td>${s.onHand}</td><td>${s.reserved}</td><td>${s.available}</td><td>${s.lowStockThreshold}</td>${
          low
            ? ''
            : html`<td><form method="post" action="/admin/stock/${s.id}" class="inline">${csrfField(ctx)}
<input type="hidden" name="version" value="${s.version}">
<label for="onhand-${s.id}" class="visually-hidden">On hand for ${names.products.get(s.productId) ?? s.productId}</label>
<input id="onhand-${s.id}" name="onHand" type="number" min="0" value="${s.onHand}" inputmode="numeric"><button type="submit">Save</button></form></td>`
        }</tr>`,
      )}</tbody></table>`
    : html`<p>${low ? 'Nothing is running low.' : 'No stock rows.'}</p>`
}`,
  );
}

export interface Shipment {
  id: string;
  orderId: string;
  status: string;
  level: string;
  carrier?: string;
  trackingNumber?: string;
  createdAt: string;
}

export function adminShipmentsPage(ctx: PageContext, shipments: Shipment[]): string {
  return layout(
    ctx,
    'Admin: shipments',
    html`<h1>Shipments</h1>${adminNav()}
${
  shipments.length
    ? html`<table><caption class="visually-hidden">Shipments</caption>
<thead><tr><th scope="col">Order</th><th scope="col">Level</th><th scope="col">Status</th><th scope="col">Tracking</th><th scope="col">Created</th></tr></thead>
<tbody>${shipments.map(
        (s) =>
          html`<tr><th scope="row" class="mono">${s.orderId}</th><td>${s.level}</td><td>${s.status}</td><td>${s.carrier ?? ''} ${s.trackingNumber ?? ''}</td><td>${date(s.createdAt)}</td></tr>`,
      )}</tbody></table>`
    : html`<p>No shipments.</p>`
}`,
  );
}

export type { Money };
