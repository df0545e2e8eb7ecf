// Where the e-mails' links land: confirm the address, ask for a password reset, set the new password.
// Each GET only shows a form; the change is the POST (CSRF-checked like every form here).
import type { App } from '@mercato/kit';
import { isClientProblem, unwrap } from '../../api/client.ts';
import { forgotPasswordPage, resetPasswordPage, verifyPage } from '../../views/email-links.ts';
import { flash, form, pageContext, seeOther, sendPage } from '../common.ts';

type TokenQuery = { Querystring: { token?: string } };
const tokenOf = (value: unknown) => String(value ?? '').slice(0, 512);
const EXPIRED = 'This link has expired or was already used.';

export default async function emailLinkRoutes(app: App) {
  app.get<TokenQuery>('/verify', async (request, reply) =>
    sendPage(reply, verifyPage(pageContext(request, reply), { token: tokenOf(request.query.token) })),
  );

  app.post('/verify', async (request, reply) => {
    const token = tokenOf(form(request).token);
    try {
      await unwrap(request.mercato.api.POST('/auth/verify', { body: { token } }));
      return sendPage(reply, verifyPage(pageContext(request, reply), { token, done: true }));
    } catch (err) {
      if (!isClientProblem(err, 400, 404, 410)) throw err;
      const error = `${EXPIRED} Sign in and ask for a new one from your account.`;
      return sendPage(reply, verifyPage(pageContext(request, reply), { token, error }), 400);
    }
  });

  app.get('/forgot-password', async (request, reply) =>
    sendPage(reply, forgotPasswordPage(pageContext(request, reply), {})),
  );

  app.post('/forgot-password', async (request, reply) => {
    const email = String(form(request).email ?? '').slice(0, 320);
    try {
      // Answered alike whether or not the address has an account.
      await unwrap(request.mercato.api.POST('/auth/password-reset', { body: { email } }));
      return sendPage(reply, forgotPasswordPage(pageContext(request, reply), { sent: true }));
    } catch (err) {
      if (!isClientProblem(err, 400, 429)) throw err;
      const error =
        err.status === 429
          ? 'Too many requests. Wait a minute and try again.'
          : 'Please enter your e-mail address.';
      return sendPage(reply, forgotPasswordPage(pageContext(request, reply), { email, error }), err.status);
    }
  });

  app.get<TokenQuery>('/reset-password', async (request, reply) =>
    sendPage(reply, resetPasswordPage(pageContext(request, reply), { token: tokenOf(request.query.token) })),
  );

  app.post('/reset-password', async (request, reply) => {
    const f = form(request);
    const token = tokenOf(f.token);
    try {
      await unwrap(
        request.mercato.api.POST('/auth/password-reset/confirm', {
          body: { token, password: f.password ?? '' },
        }),
      );
    } catch (err) {
      if (!isClientProblem(err, 400, 404, 410)) throw err;
      const fields = err.errors.filter((e) => e.path.includes('password')).map((e) => e.message);
      const error = fields.length ? `The password ${fields.join('; ')}.` : `${EXPIRED} Ask for a new one.`;
      return sendPage(reply, resetPasswordPage(pageContext(request, reply), { token, error }), 400);
    }
    // Every login of the account was revoked: this browser's too.
    request.session.set('user', undefined);
    request.session.set('tokens', undefined);
    flash(request, 'info', 'Your password is changed. Sign in with the new one.');
    return seeOther(reply, '/login');
  });
}
