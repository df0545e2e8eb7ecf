// The pages the shop's e-mails link to (services/notifications: `SHOP_URL/verify?token=`,
// `/reset-password?token=`, `/forgot-password`). Opening a link changes nothing — mail scanners open
// links too — the page asks for one click (a POST with the CSRF token) first.
import { type Html, html } from './html.ts';
import { csrfField, layout, type PageContext } from './layout.ts';

function errorBox(error?: string): Html {
  return error ? html`<p class="flash error" role="alert">${error}</p>` : html``;
}

export function verifyPage(
  ctx: PageContext,
  opts: { token: string; error?: string; done?: boolean },
): string {
  if (opts.done)
    return layout(
      ctx,
      'E-mail address confirmed',
      html`<h1>E-mail address confirmed</h1>
<p>Thank you. <a href="/">Find a book</a>.</p>`,
    );
  return layout(
    ctx,
    'Confirm your e-mail address',
    html`<h1>Confirm your e-mail address</h1>
${errorBox(opts.error)}
<form method="post" action="/verify" class="stack">
  ${csrfField(ctx)}
  <input type="hidden" name="token" value="${opts.token}">
  <button type="submit">Confirm my e-mail address</button>
</form>`,
  );
}

export function forgotPasswordPage(
  ctx: PageContext,
  opts: { email?: string; sent?: boolean; error?: string },
): string {
  return layout(
    ctx,
    'Forgot your password?',
    html`<h1>Forgot your password?</h1>
${
  opts.sent
    ? html`<p role="status">If an account has that address, we sent it a link to choose a new password.</p>`
    : html`${errorBox(opts.error)}
<form method="post" action="/forgot-password" class="stack">
  ${csrfField(ctx)}
  <label for="email">E-mail</label>
  <input id="email" name="email" type="email" autocomplete="email" value="${opts.email ?? ''}" required>
  <button type="submit">Send me a link</button>
</form>`
}`,
  );
}

export function resetPasswordPage(ctx: PageContext, opts: { token: string; error?: string }): string {
  return layout(
    ctx,
    'Choose a new password',
    html`<h1>Choose a new password</h1>
${errorBox(opts.error)}
<form method="post" action="/reset-password" class="stack">
  ${csrfField(ctx)}
  <input type="hidden" name="token" value="${opts.token}">
  <label for="password">New password</label>
  <input id="password" name="password" type="password" autocomplete="new-password" required minlength="10" aria-describedby="password-hint">
  <p id="password-hint" class="hint">At least 10 characters. Resetting signs you out everywhere.</p>
  <button type="submit">Set the new password</button>
</form>`,
  );
}
