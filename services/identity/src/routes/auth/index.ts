import { type App, assertIfMatch, etag, problems } from '@mercato/kit';
import { Type } from 'typebox';
import { uuidv7 } from 'uuidv7';
import {
  assertNotLastAdmin,
  assertStrongPassword,
  assertUnique,
  createUser,
  flushUnique,
  hashPassword,
  normalizeEmail,
  verifyPassword,
} from '../../accounts.ts';
import { clientIp } from '../../domain/client-ip.ts';
import { digest, newOpaqueToken } from '../../domain/secrets.ts';
import { PasswordReset, User } from '../../entities.ts';
import { passwordResetRequested, userDeactivated, userUpdated } from '../../events.ts';
import {
  currentUser,
  Email,
  Name,
  Password,
  problemResponses,
  Username,
  UserView,
  userView,
  withVersionCheck,
} from '../common.ts';

const RegisterBody = Type.Object(
  { email: Email, username: Username, password: Password, name: Type.Optional(Name) },
  { additionalProperties: false },
);
const LoginBody = Type.Object({ email: Email, password: Password }, { additionalProperties: false });
const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
const TokenPair = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'seconds until the access token expires' }),
  refreshExpiresIn: Type.Integer({ description: 'seconds until the refresh token expires' }),
});
const UpdateMeBody = Type.Object(
  {
    name: Type.Optional(Type.Union([Name, Type.Null()])),
    username: Type.Optional(Username),
    email: Type.Optional(Email),
    password: Type.Optional(Password),
    currentPassword: Type.Optional(Password),
  },
  { additionalProperties: false, minProperties: 1 },
);
const ResetRequestBody = Type.Object({ email: Email }, { additionalProperties: false });
const ResetConfirmBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }), password: Password },
  { additionalProperties: false },
);
const Jwks = Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) });
const bearer = [{ bearerAuth: [] }];

export default async function authRoutes(app: App): Promise<void> {
  const { sessions, loginThrottle, config } = app;

  app.post(
    '/auth/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Register a customer account',
        body: RegisterBody,
        response: { 201: UserView, ...problemResponses(400, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const em = app.orm.em.fork();
      const user = await em.transactional((tx) => createUser(tx, { ...request.body, role: 'customer' }));
      reply.code(201).header('location', '/auth/me').header('etag', etag(user.version));
      return userView(user);
    },
  );

  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange e-mail and password for an access and a refresh token',
        body: LoginBody,
        response: { 200: TokenPair, ...problemResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const subject = {
        account: normalizeEmail(request.body.email),
        ip: clientIp(request.ip, request.headers['x-forwarded-for'], config.TRUSTED_PROXY_HOPS),
      };
      await loginThrottle.assertAllowed(subject);
      const em = app.orm.em.fork();
      const user = await em.findOne(User, { email: subject.account });
      const passwordOk = await verifyPassword(user?.passwordHash, request.body.password);
      if (!user || !passwordOk || !user.active) {
        if (!passwordOk) await loginThrottle.recordFailure(subject);
        // One answer for every reason: the response must not tell which e-mails exist.
        throw problems.unauthorized('The e-mail or password is not correct');
      }
      await loginThrottle.recordSuccess(subject);
      return sessions.issue(em, user);
    },
  );

  app.post(
    '/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Rotate a refresh token: the old one is spent, a new pair is returned',
        description: 'Presenting a refresh token that was already rotated revokes its whole family.',
        body: RefreshBody,
        response: { 200: TokenPair, ...problemResponses(400, 401) },
      },
    },
    async (request) => sessions.refresh(app.orm.em.fork(), request.body.refreshToken),
  );

  app.post(
    '/auth/logout',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'End this login: the access token and its refresh family stop working at once',
        security: bearer,
        response: { 204: Type.Null(), ...problemResponses(401, 503) },
      },
    },
    async (request, reply) => {
      await sessions.endLoginOf(app.orm.em.fork(), request.user.jti);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/auth/me',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'The caller’s profile',
        security: bearer,
        response: { 200: UserView, ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      const user = await currentUser(app.orm.em.fork(), request);
      reply.header('etag', etag(user.version));
      return userView(user);
    },
  );

  app.patch(
    '/auth/me',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'Change the caller’s profile; a new password needs the current one',
        security: bearer,
        body: UpdateMeBody,
        response: { 200: UserView, ...problemResponses(400, 401, 403, 409, 412) },
      },
    },
    async (request, reply) => {
      const em = app.orm.em.fork();
      const body = request.body;
      const user = await withVersionCheck(() =>
        em.transactional(async (tx) => {
          const user = await currentUser(tx, request);
          assertIfMatch(request, user.version);
          const changed: string[] = [];
          const email = body.email === undefined ? undefined : normalizeEmail(body.email);
          if (body.password !== undefined) {
            if (body.currentPassword === undefined)
              throw problems.badRequest('Changing the password needs currentPassword', {
                errors: [{ path: 'body/currentPassword', message: 'is required to change the password' }],
              });
            if (!(await verifyPassword(user.passwordHash, body.currentPassword)))
              throw problems.forbidden('The current password is not correct');
            assertStrongPassword(body.password, {
              email: email ?? user.email,
              username: body.username ?? user.username,
            });
          }
          const newEmail = email !== undefined && email !== user.email ? email : undefined;
          const newUsername =
            body.username !== undefined && body.username !== user.username ? body.username : undefined;
          await assertUnique(tx, { email: newEmail, username: newUsername }, user.id);
          if (newEmail !== undefined) {
            user.email = newEmail;
            changed.push('email');
          }
          if (newUsername !== undefined) {
            user.username = newUsername;
            changed.push('username');
          }
          if (body.name !== undefined && body.name !== user.name) {
            user.name = body.name;
            changed.push('name');
          }
          if (body.password !== undefined) {
            user.passwordHash = await hashPassword(body.password);
            changed.push('password');
          }
          if (changed.length > 0) {
            user.updatedAt = new Date();
            await userUpdated(tx, user, changed);
            await flushUnique(tx);
          }
          return { user, changed };
        }),
      );
      // Someone who learnt the old password may hold a session: only the one that changed it stays.
      if (user.changed.includes('password')) await sessions.revokeAllOf(em, user.user.id, request.user.jti);
      reply.header('etag', etag(user.user.version));
      return userView(user.user);
    },
  );

  app.delete(
    '/auth/me',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'Deactivate the caller’s account; its tokens stop working',
        security: bearer,
        response: { 204: Type.Null(), ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      const em = app.orm.em.fork();
      const user = await em.transactional(async (tx) => {
        const user = await currentUser(tx, request);
        if (user.role === 'admin') await assertNotLastAdmin(tx, user.id);
        user.active = false;
        user.updatedAt = new Date();
        await userDeactivated(tx, user);
        return user;
      });
      await sessions.revokeAllOf(em, user.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/auth/password-reset',
    {
      schema: {
        tags: ['auth'],
        summary: 'Ask for a password-reset e-mail',
        description:
          'Always 202, whether or not the address is registered. The single-use token travels in the ' +
          'user.password_reset_requested event, which the notifications service e-mails.',
        body: ResetRequestBody,
        response: { 202: Type.Object({ status: Type.Literal('accepted') }), ...problemResponses(400) },
      },
    },
    async (request, reply) => {
      const em = app.orm.em.fork();
      await em.transactional(async (tx) => {
        const user = await tx.findOne(User, { email: normalizeEmail(request.body.email) });
        if (!user?.active) return;
        const token = newOpaqueToken();
        const now = new Date();
        // Only the newest link works: an older e-mail lying around in an inbox is no key any more.
        await tx.nativeUpdate(PasswordReset, { userId: user.id, usedAt: null }, { expiresAt: now });
        const expiresAt = new Date(now.getTime() + config.PASSWORD_RESET_TTL_SECONDS * 1000);
        tx.create(PasswordReset, {
          id: uuidv7(),
          userId: user.id,
          tokenHash: digest(token),
          expiresAt,
          usedAt: null,
          createdAt: now,
        });
        await passwordResetRequested(tx, user, token, expiresAt);
      });
      return reply.code(202).send({ status: 'accepted' });
    },
  );

  app.post(
    '/auth/password-reset/confirm',
    {
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with a password-reset token (single use)',
        body: ResetConfirmBody,
        response: { 204: Type.Null(), ...problemResponses(400) },
      },
    },
    async (request, reply) => {
      const em = app.orm.em.fork();
      const userId = await em.transactional(async (tx) => {
        const reset = await tx.findOne(PasswordReset, { tokenHash: digest(request.body.token) });
        const user = reset ? await tx.findOne(User, reset.userId) : null;
        if (!reset || !user?.active || reset.usedAt || reset.expiresAt <= new Date())
          throw problems.badRequest('The password-reset token is invalid, expired or already used', {
            errors: [{ path: 'body/token', message: 'is invalid, expired or already used' }],
          });
        assertStrongPassword(request.body.password, { email: user.email, username: user.username });
        // Claimed by a conditional update: two confirmations of one token cannot both succeed.
        const claimed = await tx.nativeUpdate(
          PasswordReset,
          { id: reset.id, usedAt: null },
          { usedAt: new Date() },
        );
        if (claimed === 0) throw problems.badRequest('The password-reset token was already used');
        user.passwordHash = await hashPassword(request.body.password);
        user.updatedAt = new Date();
        await userUpdated(tx, user, ['password']);
        return user.id;
      });
      await sessions.revokeAllOf(em, userId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/auth/.well-known/jwks.json',
    {
      schema: {
        tags: ['auth'],
        summary: 'The public keys that verify access tokens',
        response: { 200: Jwks },
      },
    },
    async (_request, reply) => {
      // Verifiers cache this; a short max-age lets a rotated key spread quickly.
      reply.header('cache-control', 'public, max-age=300');
      return app.signingKey.jwks;
    },
  );
}
