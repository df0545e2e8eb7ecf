import { type Html, html } from './html.ts';
import { csrfField, layout, type Money, money, type PageContext } from './layout.ts';

export interface Product {
  id: string;
  name: string;
  description: string;
  category: string;
  price: Money;
  attributes: Record<string, unknown>;
  availability?: { status: 'in_stock' | 'low' | 'out_of_stock'; quantity?: number };
}

const AVAILABILITY: Record<string, string> = {
  in_stock: 'In stock',
  low: 'Only a few left',
  out_of_stock: 'Out of stock',
};

export function availabilityText(availability: Product['availability']): string {
  return AVAILABILITY[availability?.status ?? 'out_of_stock'] ?? 'Unknown';
}

/**
 * A book in a list: from catalog, or a recommended one (api/recommendations.ts: catalog's facts when
 * catalog answered, else the recommendation's own name and price, which may be unknown).
 */
export interface BookCard {
  id: string;
  name: string;
  author?: string;
  price: Money | null;
  availability?: Product['availability'];
}

export function cardOf(p: Product): BookCard {
  const author = p.attributes.author;
  return {
    id: p.id,
    name: p.name,
    ...(author ? { author: String(author) } : {}),
    price: p.price,
    ...(p.availability ? { availability: p.availability } : {}),
  };
}

function card(c: BookCard): Html {
  return html`<li class="card">
  <h3><a href="/books/${c.id}">${c.name}</a></h3>
  ${c.author ? html`<p class="author">by ${c.author}</p>` : ''}
  ${c.price ? html`<p class="price">${money(c.price)}</p>` : ''}
  ${c.availability ? html`<p class="availability ${c.availability.status}">${availabilityText(c.availability)}</p>` : ''}
</li>`;
}

export function productGrid(books: BookCard[], label: string): Html {
  return html`<ul class="grid" aria-label="${label}">${books.map(card)}</ul>`;
}

/** A titled list of books, or nothing at all when there is none (recommendations are a bonus). */
function shelf(id: string, title: string, books: BookCard[]): Html | string {
  return books.length
    ? html`<section aria-labelledby="${id}"><h2 id="${id}">${title}</h2>${productGrid(books, title)}</section>`
    : '';
}

export interface HomeShelves {
  /** Popular lately (recommendations: the best of each category first). */
  popular: BookCard[];
  /** For the signed-in customer, from their purchases and views (only when personalised). */
  recommended: BookCard[];
  /** Catalog's list. */
  books: BookCard[];
}

export function homePage(ctx: PageContext, shelves: HomeShelves): string {
  return layout(
    ctx,
    'Books',
    html`<h1>Welcome to Mercato</h1>
${shelf('popular-h', 'Popular books', shelves.popular)}
${shelf('rec-h', 'Recommended for you', shelves.recommended)}
<section aria-labelledby="books-h"><h2 id="books-h">Books in the shop</h2>${
      shelves.books.length ? productGrid(shelves.books, 'Books in the shop') : html`<p>No books yet.</p>`
    }</section>`,
  );
}

export function searchPage(ctx: PageContext, q: string, hits: Product[], total: number): string {
  return layout(
    { ...ctx, q },
    `Search: ${q}`,
    html`<h1>Results for “${q}”</h1>
<p role="status">${total} ${total === 1 ? 'book' : 'books'} found</p>
${hits.length ? productGrid(hits.map(cardOf), 'Search results') : html`<p>Nothing matched. Try another spelling or fewer words.</p>`}`,
  );
}

export interface RelatedBooks {
  /** Bought together with this book (co-purchases). */
  together: BookCard[];
  /** Viewed together, or popular in its category: what the service fills the list up with. */
  more: BookCard[];
}

export function productPage(ctx: PageContext, p: Product, related: RelatedBooks): string {
  const attrs = Object.entries(p.attributes).filter(([, v]) => v !== null && v !== undefined);
  const out = p.availability?.status === 'out_of_stock';
  return layout(
    ctx,
    p.name,
    html`<article class="product">
<h1>${p.name}</h1>
${p.attributes.author ? html`<p class="author">by ${String(p.attributes.author)}</p>` : ''}
<p class="price">${money(p.price)}</p>
<p class="availability ${p.availability?.status ?? 'out_of_stock'}">${availabilityText(p.availability)}${
      p.availability?.quantity !== undefined ? html` (${p.availability.quantity} available)` : ''
    }</p>
<p>${p.description}</p>
${attrs.length ? html`<dl>${attrs.map(([k, v]) => html`<dt>${k}</dt><dd>${String(v)}</dd>`)}</dl>` : ''}
<form method="post" action="/cart/items" class="add">
  ${csrfField(ctx)}
  <input type="hidden" name="productId" value="${p.id}">
  <label for="quantity">Quantity</label>
  <input id="quantity" name="quantity" type="number" min="1" max="99" value="1" inputmode="numeric" required>
  <button type="submit" ${out ? 'disabled' : ''}>Add to cart</button>
</form>
</article>
${shelf('together-h', 'Bought together', related.together)}
${shelf('more-h', 'You may also like', related.more)}`,
  );
}

export interface CartLine {
  id: string;
  productId: string;
  name: string;
  quantity: number;
  unitPrice: Money;
  lineTotal: Money;
  flags: string[];
  available?: number;
}
export interface Cart {
  id: string;
  version: number;
  lines: CartLine[];
  total: Money;
  itemCount: number;
}

const FLAGS: Record<string, string> = {
  inactive: 'no longer for sale',
  price_changed: 'the price changed',
  short_of_stock: 'not enough in stock',
  currency_mismatch: 'priced in another currency',
};

export function cartPage(ctx: PageContext, cart: Cart | undefined): string {
  const lines = cart?.lines ?? [];
  return layout(
    ctx,
    'Cart',
    html`<h1>Your cart</h1>
${
  lines.length === 0
    ? html`<p>Your cart is empty. <a href="/">Find a book</a>.</p>`
    : html`<table class="cart">
<caption class="visually-hidden">Books in your cart</caption>
<thead><tr><th scope="col">Book</th><th scope="col">Price</th><th scope="col">Quantity</th><th scope="col">Total</th><th scope="col"><span class="visually-hidden">Remove</span></th></tr></thead>
<tbody>${lines.map(
        (l) => html`<tr>
<th scope="row"><a href="/books/${l.productId}">${l.name}</a>${
          l.flags.length
            ? html`<br><span class="warn">${l.flags.map((f) => FLAGS[f] ?? f).join(', ')}</span>`
            : ''
        }</th>
<td>${money(l.unitPrice)}</td>
<td><form method="post" action="/cart/items/${l.id}" class="inline">${csrfField(ctx)}
<label for="qty-${l.id}" class="visually-hidden">Quantity of ${l.name}</label>
<input id="qty-${l.id}" name="quantity" type="number" min="1" max="99" value="${l.quantity}" inputmode="numeric">
<button type="submit">Update</button></form></td>
<td>${money(l.lineTotal)}</td>
<td><form method="post" action="/cart/items/${l.id}/remove" class="inline">${csrfField(ctx)}<button type="submit" aria-label="Remove ${l.name}">Remove</button></form></td>
</tr>`,
      )}</tbody>
<tfoot><tr><th scope="row" colspan="3">Total</th><td colspan="2" id="cart-total">${money(cart?.total)}</td></tr></tfoot>
</table>
<p><a class="button" href="/checkout">Checkout</a></p>`
}`,
  );
}
