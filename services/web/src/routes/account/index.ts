import type { App } from '@mercato/kit';
import { isClientProblem, unwrap } from '../../api/client.ts';
import { type Address, accountPage } from '../../views/customer.ts';
import { flash, form, pageContext, requireUser, seeOther, sendPage } from '../common.ts';

export default async function accountRoutes(app: App) {
  app.get('/account', async (request, reply) => {
    if (!requireUser(request, reply)) return reply;
    const { api } = request.mercato;
    const [me, addresses] = await Promise.all([
      unwrap(api.GET('/auth/me')),
      unwrap(api.GET('/addresses', { params: { query: { pageSize: 50 } } })),
    ]);
    return sendPage(reply, accountPage(pageContext(request, reply), me, addresses.items as Address[]));
  });

  app.post('/account/addresses', async (request, reply) => {
    if (!requireUser(request, reply)) return reply;
    const f = form(request);
    try {
      await unwrap(
        request.mercato.api.POST('/addresses', {
          body: {
            street: f.street ?? '',
            city: f.city ?? '',
            postalCode: f.postalCode ?? '',
            country: f.country ?? '',
          },
        }),
      );
      flash(request, 'info', 'Address added.');
    } catch (err) {
      if (!isClientProblem(err, 400)) throw err;
      flash(request, 'error', 'Please check the address: every field is needed.');
    }
    return seeOther(reply, '/account');
  });

  app.post<{ Params: { id: string } }>('/account/addresses/:id/delete', async (request, reply) => {
    if (!requireUser(request, reply)) return reply;
    await unwrap(
      request.mercato.api.DELETE('/addresses/{id}', { params: { path: { id: request.params.id } } }),
    );
    flash(request, 'info', 'Address deleted.');
    return seeOther(reply, '/account');
  });

  app.post('/account/password', async (request, reply) => {
    if (!requireUser(request, reply)) return reply;
    const f = form(request);
    try {
      await unwrap(
        request.mercato.api.PATCH('/auth/me', {
          body: { password: f.password ?? '', currentPassword: f.currentPassword ?? '' },
        }),
      );
      flash(request, 'info', 'Password changed.');
    } catch (err) {
      if (!isClientProblem(err, 400, 401, 403, 422)) throw err;
      flash(request, 'error', `The password was not changed: ${err.detail || err.title}`);
    }
    return seeOther(reply, '/account');
  });

  app.post('/account/erase', async (request, reply) => {
    if (!requireUser(request, reply)) return reply;
    try {
      await unwrap(
        request.mercato.api.DELETE('/auth/me', { body: { password: form(request).password ?? '' } }),
      );
    } catch (err) {
      if (!isClientProblem(err, 400, 401, 403, 422)) throw err;
      flash(request, 'error', 'The account was not erased: wrong password.');
      return seeOther(reply, '/account');
    }
    await request.session.destroy();
    return seeOther(reply, '/');
  });
}
