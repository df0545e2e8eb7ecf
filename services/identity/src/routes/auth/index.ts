import { type App, assertIfMatch, bearer, errorResponses, etag, IfMatchHeader } from '@mercato/kit';
import { Type } from 'typebox';
import { clientIp } from '../../domain/client-ip.ts';
import { currentUser } from '../../use-cases/accounts.ts';
import { confirmPasswordReset } from '../../use-cases/confirm-password-reset.ts';
import { createUser } from '../../use-cases/create-user.ts';
import { deactivateAccount } from '../../use-cases/deactivate-account.ts';
import { login } from '../../use-cases/login.ts';
import { requestPasswordReset } from '../../use-cases/request-password-reset.ts';
import { updateProfile } from '../../use-cases/update-profile.ts';
import { UserView, userView } from '../common.ts';
import {
  Jwks,
  LoginBody,
  RefreshBody,
  RegisterBody,
  ResetConfirmBody,
  ResetRequestBody,
  TokenPair,
  UpdateMeBody,
} from './schemas.ts';

/** Registered under /auth. */
export default async function authRoutes(app: App): Promise<void> {
  const { sessions, loginThrottle, identityConfig: config } = app;

  app.post(
    '/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Register a customer account',
        body: RegisterBody,
        response: { 201: UserView, ...errorResponses(400, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const user = await createUser(app.orm.em.fork(), { ...request.body, role: 'customer' });
      reply.code(201).header('location', '/auth/me').header('etag', etag(user.version));
      return userView(user);
    },
  );

  app.post(
    '/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange e-mail and password for an access and a refresh token',
        body: LoginBody,
        response: { 200: TokenPair, ...errorResponses(400, 401, 429) },
      },
    },
    async (request) =>
      login(
        { em: app.orm.em.fork(), sessions, loginThrottle },
        {
          ...request.body,
          ip: clientIp(request.ip, request.headers['x-forwarded-for'], config.TRUSTED_PROXY_HOPS),
        },
      ),
  );

  app.post(
    '/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Rotate a refresh token: the old one is spent, a new pair is returned',
        description: 'Presenting a refresh token that was already rotated revokes its whole family.',
        body: RefreshBody,
        response: { 200: TokenPair, ...errorResponses(400, 401) },
      },
    },
    async (request) => sessions.refresh(app.orm.em.fork(), request.body.refreshToken),
  );

  app.post(
    '/logout',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'End this login: the access token and its refresh family stop working at once',
        security: bearer,
        response: { 204: Type.Null(), ...errorResponses(401, 503) },
      },
    },
    async (request, reply) => {
      await sessions.endLoginOf(app.orm.em.fork(), request.user.jti);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/me',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'The caller’s profile',
        security: bearer,
        response: { 200: UserView, ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      const user = await currentUser(app.orm.em.fork(), request.user.sub);
      reply.header('etag', etag(user.version));
      return userView(user);
    },
  );

  app.patch(
    '/me',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'Change the caller’s profile; a new password needs the current one',
        security: bearer,
        headers: IfMatchHeader,
        body: UpdateMeBody,
        response: { 200: UserView, ...errorResponses(400, 401, 403, 409, 412) },
      },
    },
    async (request, reply) => {
      const user = await updateProfile(
        { em: app.orm.em.fork(), sessions },
        { userId: request.user.sub, jti: request.user.jti },
        request.body,
        (version) => assertIfMatch(request, version),
      );
      reply.header('etag', etag(user.version));
      return userView(user);
    },
  );

  app.delete(
    '/me',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'Deactivate the caller’s account; its tokens stop working',
        security: bearer,
        response: { 204: Type.Null(), ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      await deactivateAccount({ em: app.orm.em.fork(), sessions }, request.user.sub);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/password-reset',
    {
      schema: {
        tags: ['auth'],
        summary: 'Ask for a password-reset e-mail',
        description:
          'Always 202, whether or not the address is registered. The single-use token travels in the ' +
          'user.password_reset_requested event, which the notifications service e-mails.',
        body: ResetRequestBody,
        response: { 202: Type.Object({ status: Type.Literal('accepted') }), ...errorResponses(400) },
      },
    },
    async (request, reply) => {
      await requestPasswordReset(app.orm.em.fork(), request.body.email, config.PASSWORD_RESET_TTL_SECONDS);
      return reply.code(202).send({ status: 'accepted' });
    },
  );

  app.post(
    '/password-reset/confirm',
    {
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with a password-reset token (single use)',
        body: ResetConfirmBody,
        response: { 204: Type.Null(), ...errorResponses(400) },
      },
    },
    async (request, reply) => {
      await confirmPasswordReset({ em: app.orm.em.fork(), sessions }, request.body);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/.well-known/jwks.json',
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
