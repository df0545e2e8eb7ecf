import type { SessionUser } from '../plugins/session.ts';
import { type Html, html } from './html.ts';

export interface PageContext {
  user?: SessionUser;
  csrf: string;
  cartCount?: number;
  flash?: { kind: 'info' | 'error'; text: string };
  q?: string;
}

export interface Money {
  amount: string;
  currency: string;
}

/** '12.50 EUR' → '€12.50': the amount is a decimal string from the API, shown as it is. */
export function money(m: Money | undefined | null): string {
  if (!m) return '';
  const symbol: Record<string, string> = { EUR: '€', USD: '$', GBP: '£' };
  const s = symbol[m.currency];
  return s ? `${s}${m.amount}` : `${m.amount} ${m.currency}`;
}

export function date(iso: string | undefined): string {
  if (!iso) return '';
  return `${new Date(iso).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
}

/** A hidden CSRF field for a form that changes something. */
export function csrfField(ctx: PageContext): Html {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;
}

export function layout(
  ctx: PageContext,
  title: string,
  body: Html,
  opts: { scripts?: string[] } = {},
): string {
  const user = ctx.user;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Mercato</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/site.css">
${(opts.scripts ?? []).map((s) => html`<script src="${s}" defer></script>`)}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
  <nav aria-label="Main">
    <a class="brand" href="/">Mercato</a>
    <form class="search" role="search" action="/search" method="get">
      <label for="q" class="visually-hidden">Search books</label>
      <input id="q" name="q" type="search" value="${ctx.q ?? ''}" placeholder="Search books" maxlength="200" required>
      <button type="submit">Search</button>
    </form>
    <ul>
      <li><a href="/cart">Cart${ctx.cartCount ? html` <span class="badge">(${ctx.cartCount})</span>` : ''}</a></li>
      ${
        user
          ? html`<li><a href="/account/orders">Orders</a></li>
      <li><a href="/account">Account</a></li>
      ${user.role === 'admin' ? html`<li><a href="/admin">Admin</a></li>` : ''}
      <li><form method="post" action="/logout">${csrfField(ctx)}<button type="submit" class="link">Sign out</button></form></li>`
          : html`<li><a href="/login">Sign in</a></li>
      <li><a href="/register">Register</a></li>`
      }
    </ul>
  </nav>
</header>
<main id="main" tabindex="-1">
${ctx.flash ? html`<p class="flash ${ctx.flash.kind}" role="${ctx.flash.kind === 'error' ? 'alert' : 'status'}">${ctx.flash.text}</p>` : ''}
${body}
</main>
<footer class="site"><p>Mercato demo shop · test cards only, nothing is charged</p></footer>
</body>
</html>`.value;
}
