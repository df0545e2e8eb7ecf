import type { App } from '@mercato/kit';
import type { FastifyRequest } from 'fastify';
import { ApiError, isClientProblem, unwrap } from '../../api/client.ts';
import type { SessionUser } from '../../plugins/session.ts';
import { loginPage, registerPage } from '../../views/customer.ts';
import { mergeGuestCart } from '../cart/index.ts';
import { flash, form, pageContext, safeNext, seeOther, sendPage } from '../common.ts';

/**
 * Signs in: a new session id first (the one a visitor had is never the signed-in one: no session
 * fixation), the tokens kept in it by the SDK, the guest cart merged into the customer's.
 */
async function signIn(request: FastifyRequest, email: string, password: string): Promise<SessionUser> {
  const cartToken = request.session.get('cartToken');
  await request.session.regenerate();
  if (cartToken) request.session.set('cartToken', cartToken);
  const mercato = request.mercato;
  await mercato.auth.login(email, password);
  const me = await unwrap(mercato.api.GET('/auth/me'));
  const user: SessionUser = { id: me.id, email: me.email, username: me.username, role: me.role };
  request.session.set('user', user);
  await mergeGuestCart(request);
  return user;
}

/** What to tell the visitor about a refused form; what is not their mistake goes to the error page. */
function message(err: unknown): string {
  if (!isClientProblem(err)) throw err;
  if (err.status === 429) return 'Too many attempts. Wait a minute and try again.';
  const fields = err.errors.map((e) => `${e.path.replace(/^\//, '')} ${e.message}`.trim()).filter(Boolean);
  const text = err.detail || err.title;
  return fields.length ? `${text}: ${fields.join('; ')}` : text;
}

export default async function authRoutes(app: App) {
  app.get<{ Querystring: { next?: string } }>('/login', async (request, reply) => {
    return sendPage(reply, loginPage(pageContext(request, reply), { next: safeNext(request.query.next) }));
  });

  app.post('/login', async (request, reply) => {
    const f = form(request);
    const next = safeNext(f.next);
    try {
      await signIn(request, f.email ?? '', f.password ?? '');
      flash(request, 'info', 'Welcome back.');
      return seeOther(reply, next);
    } catch (err) {
      const text = err instanceof ApiError && err.status === 401 ? 'Wrong e-mail or password.' : message(err);
      return sendPage(
        reply,
        loginPage(pageContext(request, reply), { next, email: f.email, error: text }),
        400,
      );
    }
  });

  app.get<{ Querystring: { next?: string } }>('/register', async (request, reply) => {
    return sendPage(reply, registerPage(pageContext(request, reply), { next: safeNext(request.query.next) }));
  });

  app.post('/register', async (request, reply) => {
    const f = form(request);
    const next = safeNext(f.next);
    const body = { email: f.email ?? '', username: f.username ?? '', password: f.password ?? '' };
    try {
      await request.mercato.auth.register(body);
      await signIn(request, body.email, body.password);
      flash(request, 'info', 'Your account is ready. We sent you an e-mail to confirm your address.');
      return seeOther(reply, next);
    } catch (err) {
      return sendPage(
        reply,
        registerPage(pageContext(request, reply), {
          next,
          email: f.email,
          username: f.username,
          error: message(err),
        }),
        400,
      );
    }
  });

  app.post('/logout', async (request, reply) => {
    if (request.session.get('tokens')) {
      // Revokes the access token (deny-list) and the refresh family at the API.
      await request.mercato.auth.logout().catch((err) => {
        request.log.warn({ err }, 'logout at the API failed; the session is ended anyway');
      });
    }
    await request.session.destroy();
    return seeOther(reply, '/');
  });
}
