import { type App, assertIfMatch, bearer, errorResponses, etag, IfMatchHeader } from '@mercato/kit';
import { Type } from 'typebox';
import { currentUser } from '../../use-cases/accounts.ts';
import { confirmPasswordReset } from '../../use-cases/confirm-password-reset.ts';
import { resendVerification, verifyEmail } from '../../use-cases/email-verification.ts';
import { eraseOwnAccount } from '../../use-cases/erase-account.ts';
import { login } from '../../use-cases/login.ts';
import { register } from '../../use-cases/register.ts';
import { requestPasswordReset } from '../../use-cases/request-password-reset.ts';
import { updateProfile } from '../../use-cases/update-profile.ts';
import { UserView, userView } from '../common.ts';
import {
  ACCEPTED,
  Accepted,
  EraseMeBody,
  Jwks,
  LoginBody,
  RefreshBody,
  RegisterBody,
  Registered,
  ResetConfirmBody,
  ResetRequestBody,
  TokenPair,
  UpdateMeBody,
  VerifyBody,
} from './schemas.ts';

/** Registered under /auth. */
export default async function authRoutes(app: App): Promise<void> {
  const { sessions, loginThrottle } = app;

  app.post(
    '/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Register a customer account; the answer carries a login as well',
        description:
          '201 with `{user, accessToken, refreshToken, tokenType, expiresIn, refreshExpiresIn}` (the login ' +
          'part as POST /auth/login gives it), `Location` of the user. The account starts unverified: a ' +
          'single-use link goes to the address (user.verification_requested; POST /auth/verify), and an ' +
          'unverified account may do everything, ordering included (the access token’s `email_verified` ' +
          'claim tells). A taken e-mail or username (any case): 409 problem type ' +
          'https://mercato.dev/problems/account-exists, `errors` naming body/email and/or body/username; ' +
          'the owner of a taken address is told (user.registration_refused). 400 for a weak password, ' +
          'with the reasons.',
        body: RegisterBody,
        response: { 201: Registered, ...errorResponses(400, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const { user, tokens } = await register({ em: app.orm.em, sessions }, request.body, {
        verificationTtlSeconds: app.identityConfig.VERIFICATION_TTL_SECONDS,
      });
      reply.code(201).header('location', `/users/${user.id}`).header('etag', etag(user.version));
      return { user: userView(user), ...tokens };
    },
  );

  app.post(
    '/verify',
    {
      schema: {
        tags: ['auth'],
        summary: 'Confirm the account’s e-mail address with the token from the verification e-mail',
        description:
          'No login needed (the link may be opened anywhere). 200 with the user (`emailVerified: true`); ' +
          'access tokens issued from now on (log in or refresh) carry `email_verified: true`. 400 ' +
          '(errors: body/token) when the token is unknown, expired, already used or voided by a newer one.',
        body: VerifyBody,
        response: { 200: UserView, ...errorResponses(400) },
      },
    },
    async (request, reply) => {
      const user = await verifyEmail(app.orm.em.fork(), request.body.token);
      reply.header('etag', etag(user.version));
      return userView(user);
    },
  );

  app.post(
    '/verify/resend',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'Send a new verification e-mail to the caller’s unverified address',
        description:
          '202: a new link goes out (user.verification_requested) and older links stop working. 409 when ' +
          'the address is verified already; 429 with Retry-After within VERIFICATION_RESEND_INTERVAL_SECONDS ' +
          'of the previous link.',
        security: bearer,
        response: { 202: Accepted, ...errorResponses(401, 409, 429) },
      },
    },
    async (request, reply) => {
      const config = app.identityConfig;
      await resendVerification(app.orm.em.fork(), request.user.sub, {
        ttlSeconds: config.VERIFICATION_TTL_SECONDS,
        intervalSeconds: config.VERIFICATION_RESEND_INTERVAL_SECONDS,
      });
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
        {
          em: app.orm.em.fork(),
          sessions,
          loginThrottle,
          verificationTtlSeconds: app.identityConfig.VERIFICATION_TTL_SECONDS,
        },
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
      // Who asks is settled before the body is looked at (401 before 400).
      onRequest: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'Erase the caller’s account (needs the current password)',
        description:
          '204. In one transaction: name, e-mail, username, password and addresses are erased (the e-mail ' +
          'and the username become placeholders, so the address can register again), every login is ' +
          'revoked (live access tokens are deny-listed), and user.erased tells every service holding ' +
          'personal data of the user (a confirmation goes to the address first). Orders and invoices ' +
          'stay. A missing or wrong `password`: 403 reauthentication-required (wrong guesses count as ' +
          'failed logins: 429 when throttled); the last active admin: 409. `If-Match` optional (412).',
        security: bearer,
        headers: IfMatchHeader,
        body: EraseMeBody,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 409, 412, 429) },
      },
    },
    async (request, reply) => {
      await eraseOwnAccount(
        { em: app.orm.em.fork(), sessions, loginThrottle },
        { userId: request.user.sub, ip: request.ip },
        request.body.password,
        (version) => assertIfMatch(request, version),
      );
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
      app.passwordResetWorker.wake(); // every request alike, after its insert committed
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
