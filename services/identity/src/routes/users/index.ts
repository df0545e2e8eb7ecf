import {
  type App,
  adminOnly,
  assertIfMatch,
  bearer,
  errorResponses,
  etag,
  IdParam,
  IfMatchHeader,
  Page,
} from '@mercato/kit';
import { Type } from 'typebox';
import { createUser } from '../../use-cases/create-user.ts';
import { eraseUser } from '../../use-cases/erase-account.ts';
import { getUser } from '../../use-cases/get-user.ts';
import { listUsers } from '../../use-cases/list-users.ts';
import { updateUser } from '../../use-cases/update-user.ts';
import { UserView, userView } from '../common.ts';
import { CreateUserBody, ListQuery, UpdateUserBody } from './schemas.ts';

/** Admin management of users; registered under /users. */
export default async function userRoutes(app: App): Promise<void> {
  // onRequest: who asks is settled before what they sent is looked at (401, then 403, then 400),
  // as everywhere (docs/architecture.md, "Authorization matrix").
  app.addHook('onRequest', app.authenticate);

  app.post(
    '',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['users'],
        summary: 'Create a user (admin)',
        security: bearer,
        body: CreateUserBody,
        response: { 201: UserView, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { role = 'customer', ...rest } = request.body;
      // The address is the user's to confirm: a verification link goes to it, as on registration.
      const user = await createUser(
        app.orm.em.fork(),
        { ...rest, role },
        { ttlSeconds: app.identityConfig.VERIFICATION_TTL_SECONDS },
      );
      reply.code(201).header('location', `/users/${user.id}`).header('etag', etag(user.version));
      return userView(user);
    },
  );

  app.get(
    '',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['users'],
        summary: 'List users (admin), filtered by role, active and e-mail substring',
        security: bearer,
        querystring: ListQuery,
        response: { 200: Page(UserView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { page = 1, pageSize = 20, ...filter } = request.query;
      const { items, total } = await listUsers(app.orm.em.fork(), filter, { page, pageSize });
      return { items: items.map(userView), page, pageSize, total };
    },
  );

  app.get(
    '/:id',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['users'],
        summary: 'One user (admin)',
        security: bearer,
        params: IdParam,
        response: { 200: UserView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const user = await getUser(app.orm.em.fork(), request.params.id);
      reply.header('etag', etag(user.version));
      return userView(user);
    },
  );

  app.patch(
    '/:id',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['users'],
        summary: 'Change a user’s role or active flag (admin); If-Match guards against stale reads',
        security: bearer,
        params: IdParam,
        headers: IfMatchHeader,
        body: UpdateUserBody,
        response: { 200: UserView, ...errorResponses(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const user = await updateUser(
        { em: app.orm.em.fork(), sessions: app.sessions },
        request.params.id,
        request.body,
        (version) => assertIfMatch(request, version),
      );
      reply.header('etag', etag(user.version));
      return userView(user);
    },
  );

  app.delete(
    '/:id',
    {
      onRequest: adminOnly,
      schema: {
        tags: ['users'],
        summary: 'Erase a user (admin)',
        description:
          '204; the same erasure as DELETE /auth/me (personal data gone, logins revoked, user.erased), ' +
          'without a password. An erased user is gone: 404 here and on GET/PATCH, absent from the list. ' +
          'The last active admin: 409. `If-Match` optional (412).',
        security: bearer,
        params: IdParam,
        headers: IfMatchHeader,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      await eraseUser({ em: app.orm.em.fork(), sessions: app.sessions }, request.params.id, (version) =>
        assertIfMatch(request, version),
      );
      reply.code(204);
    },
  );
}
