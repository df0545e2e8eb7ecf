import { type App, assertIfMatch, etag, IdParam, Page, PageQuery, problems } from '@mercato/kit';
import { Type } from 'typebox';
import { assertNotLastAdmin, createUser } from '../../accounts.ts';
import { User } from '../../entities.ts';
import { userDeactivated, userUpdated } from '../../events.ts';
import {
  Email,
  Name,
  Password,
  problemResponses,
  RoleSchema,
  Username,
  UserView,
  userView,
  withVersionCheck,
} from '../common.ts';

const CreateUserBody = Type.Object(
  {
    email: Email,
    username: Username,
    password: Password,
    name: Type.Optional(Name),
    role: Type.Optional(RoleSchema),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  {
    ...PageQuery.properties,
    role: Type.Optional(RoleSchema),
    active: Type.Optional(Type.Boolean()),
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'substring, any case' })),
  },
  { additionalProperties: false },
);
const UpdateUserBody = Type.Object(
  { role: Type.Optional(RoleSchema), active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);
const bearer = [{ bearerAuth: [] }];
const likeEscape = (s: string) => s.replace(/[\\%_]/g, '\\$&');

/** Admin management of users. */
export default async function userRoutes(app: App): Promise<void> {
  const adminOnly = app.requireRole('admin');

  app.post(
    '/users',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['users'],
        summary: 'Create a user (admin)',
        security: bearer,
        body: CreateUserBody,
        response: { 201: UserView, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const em = app.orm.em.fork();
      const { role = 'customer', ...rest } = request.body;
      const user = await em.transactional((tx) => createUser(tx, { ...rest, role }));
      reply.code(201).header('location', `/users/${user.id}`).header('etag', etag(user.version));
      return userView(user);
    },
  );

  app.get(
    '/users',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['users'],
        summary: 'List users (admin), filtered by role, active and e-mail substring',
        security: bearer,
        querystring: ListQuery,
        response: { 200: Page(UserView), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { page = 1, pageSize = 20, role, active, email } = request.query;
      const where: Record<string, unknown> = {};
      if (role !== undefined) where.role = role;
      if (active !== undefined) where.active = active;
      if (email !== undefined) where.email = { $ilike: `%${likeEscape(email.toLowerCase())}%` };
      const [users, total] = await app.orm.em.fork().findAndCount(User, where, {
        orderBy: { id: 'asc' },
        limit: pageSize,
        offset: (page - 1) * pageSize,
      });
      return { items: users.map(userView), page, pageSize, total };
    },
  );

  app.get(
    '/users/:id',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['users'],
        summary: 'One user (admin)',
        security: bearer,
        params: IdParam,
        response: { 200: UserView, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const user = await app.orm.em.fork().findOne(User, request.params.id);
      if (!user) throw problems.notFound('No such user');
      reply.header('etag', etag(user.version));
      return userView(user);
    },
  );

  app.patch(
    '/users/:id',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['users'],
        summary: 'Change a user’s role or active flag (admin); If-Match guards against stale reads',
        security: bearer,
        params: IdParam,
        body: UpdateUserBody,
        response: { 200: UserView, ...problemResponses(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const em = app.orm.em.fork();
      const { role, active } = request.body;
      const { user, changed } = await withVersionCheck(() =>
        em.transactional(async (tx) => {
          const user = await tx.findOne(User, request.params.id);
          if (!user) throw problems.notFound('No such user');
          assertIfMatch(request, user.version);
          const changed: string[] = [];
          const wasActiveAdmin = user.role === 'admin' && user.active;
          if (role !== undefined && role !== user.role) {
            user.role = role;
            changed.push('role');
          }
          if (active !== undefined && active !== user.active) {
            user.active = active;
            changed.push('active');
          }
          if (wasActiveAdmin && (user.role !== 'admin' || !user.active))
            await assertNotLastAdmin(tx, user.id);
          if (changed.length > 0) {
            user.updatedAt = new Date();
            await userUpdated(tx, user, changed);
            if (changed.includes('active') && !user.active) await userDeactivated(tx, user);
          }
          return { user, changed };
        }),
      );
      // Tokens carry the role and stand for an active account: after either changes, they must go.
      if (changed.includes('role') || (changed.includes('active') && !user.active))
        await app.sessions.revokeAllOf(em, user.id);
      reply.header('etag', etag(user.version));
      return userView(user);
    },
  );
}
