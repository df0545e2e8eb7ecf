import { type App, assertIfMatch, bearer, errorResponses, etag, IfMatchHeader } from '@mercato/kit';
import { Type } from 'typebox';
import { currentUser } from '../../use-cases/accounts.ts';
import { confirmPasswordReset } from '../../use-cases/confirm-password-reset.ts';
import { deactivateAccount } from '../../use-cases/deactivate-account.ts';
import { login } from '../../use-cases/login.ts';
import { register } from '../../use-cases/register.ts';
import { requestPasswordReset } from '../../use-cases/request-password-reset.ts';
import { updateProfile } from '../../use-cases/update-profile.ts';
import { UserView, userView } from '../common.ts';
import {
  ACCEPTED,
  Accepted,
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
  const { sessions, loginThrottle } = app;

  app.post(
    '/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Register a customer account',
        description:
          'Always 202 with the same body, whether or not the e-mail or the username is taken, so that ' +
          'the answer does not reveal who is registered: log in to use the new account. When either is ' +
          'taken nothing is created and a user.registration_refused event lets notifications tell the ' +
          'address. 400 only for what the request alone decides (a weak password, a malformed field).',
        body: RegisterBody,
        response: { 202: Accepted, ...errorResponses(400, 413, 415) },
      },
    },
    async (request, reply) => {
      const outcome = await register(app.orm.em, request.body);
      request.log.info({ outcome }, 'registration');
      return reply.code(202).send(ACCEPTED);
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
          // The client's address: X-Forwarded-For when the gateway (a trusted proxy) sent it.
          ip: request.ip,
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
      reply.code(204);
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
        summary: 'Change the caller’s profile; a new e-mail or password needs the current password',
        description:
          'Changing `email` or `password` needs `currentPassword`: without it, or with a wrong one, 403 ' +
          'with type https://mercato.dev/problems/reauthentication-required (wrong guesses count as ' +
          'failed logins: 429 when throttled).',
        security: bearer,
        headers: IfMatchHeader,
        body: UpdateMeBody,
        response: { 200: UserView, ...errorResponses(400, 401, 403, 409, 412, 429) },
      },
    },
    async (request, reply) => {
      const user = await updateProfile(
        { em: app.orm.em.fork(), sessions, loginThrottle },
        { userId: request.user.sub, jti: request.user.jti, ip: request.ip },
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
        response: { 204: Type.Null(), ...errorResponses(401, 409) },
      },
    },
    async (request, reply) => {
      await deactivateAccount({ em: app.orm.em.fork(), sessions }, request.user.sub);
      reply.code(204);
    },
  );

  app.post(
    '/password-reset',
    {
      schema: {
        tags: ['auth'],
        summary: 'Ask for a password-reset e-mail',
        description:
          'Always 202 with the same body and the same work (the address is queued; a background worker ' +
          'looks it up), whether or not it is registered. The single-use token travels in the ' +
          'user.password_reset_requested event, which the notifications service e-mails.',
        body: ResetRequestBody,
        response: { 202: Accepted, ...errorResponses(400) },
      },
    },
    async (request, reply) => {
      await requestPasswordReset(app.orm.em.fork(), request.body.email);
      return reply.code(202).send(ACCEPTED);
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
      reply.code(204);
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
