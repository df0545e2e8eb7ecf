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
import { createUser } from '../../use-cases/create-user.ts';
import { getUser } from '../../use-cases/get-user.ts';
import { listUsers } from '../../use-cases/list-users.ts';
import { updateUser } from '../../use-cases/update-user.ts';
import { UserView, userView } from '../common.ts';
import { CreateUserBody, ListQuery, UpdateUserBody } from './schemas.ts';

/** Admin management of users; registered under /users. */
export default async function userRoutes(app: App): Promise<void> {
  // A preHandler (not onRequest), as before: a malformed request is a 400 before the token is read.
  app.addHook('preHandler', app.authenticate);

  app.post(
    '',
    {
      preHandler: adminOnly,
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
      const user = await createUser(app.orm.em.fork(), { ...rest, role });
      reply.code(201).header('location', `/users/${user.id}`).header('etag', etag(user.version));
      return userView(user);
    },
  );

  app.get(
    '',
    {
      preHandler: adminOnly,
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
      preHandler: adminOnly,
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
      preHandler: adminOnly,
      schema: {
        tags: ['users'],
        summary: 'Change a user’s role or active flag (admin); If-Match guards against stale reads',
        security: bearer,
        params: IdParam,
        headers: IfMatchHeader,
        body: UpdateUserBody,
        response: { 200: UserView, ...errorResponses(400, 401, 403, 404, 412) },
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
}
