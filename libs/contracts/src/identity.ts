import { type Static, Type } from 'typebox';
import { DateTime, Role, Uuid } from './common.ts';

export const UserRegistered = Type.Object({
  userId: Uuid,
  email: Type.String(),
  username: Type.String(),
  name: Type.Optional(Type.String()),
  role: Role,
});
export const UserUpdated = Type.Object({
  userId: Uuid,
  email: Type.String(),
  username: Type.String(),
  role: Role,
  active: Type.Boolean(),
  /** Names of the fields this change touched, e.g. ['role'] or ['password']. */
  changed: Type.Array(Type.String()),
});
export const UserDeactivated = Type.Object({ userId: Uuid });
/** Carries the single-use token so that the notifications service can e-mail the reset link. */
export const UserPasswordResetRequested = Type.Object({
  userId: Uuid,
  email: Type.String(),
  token: Type.String(),
  expiresAt: DateTime,
});

/**
 * A registration that created nothing, so that nobody learns from the answer (always 202) whether an
 * address or a username is taken. For notifications to e-mail `email`: with reason 'email-taken' that
 * is the existing owner ("someone tried to register with your address"), with 'username-taken' the
 * registrant ("choose another username").
 */
export const UserRegistrationRefused = Type.Object({
  email: Type.String(),
  username: Type.String(),
  reason: Type.Union([Type.Literal('email-taken'), Type.Literal('username-taken')]),
  /** the existing account's id when the e-mail is taken */
  userId: Type.Optional(Uuid),
});

export type UserRegistered = Static<typeof UserRegistered>;
export type UserRegistrationRefused = Static<typeof UserRegistrationRefused>;
export type UserUpdated = Static<typeof UserUpdated>;
export type UserDeactivated = Static<typeof UserDeactivated>;
export type UserPasswordResetRequested = Static<typeof UserPasswordResetRequested>;

export const identityContracts = {
  'user.registered': { 1: UserRegistered },
  'user.registration_refused': { 1: UserRegistrationRefused },
  'user.updated': { 1: UserUpdated },
  'user.deactivated': { 1: UserDeactivated },
  'user.password_reset_requested': { 1: UserPasswordResetRequested },
};
