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

export type UserRegistered = Static<typeof UserRegistered>;
export type UserUpdated = Static<typeof UserUpdated>;
export type UserDeactivated = Static<typeof UserDeactivated>;
export type UserPasswordResetRequested = Static<typeof UserPasswordResetRequested>;

export const identityContracts = {
  'user.registered': { 1: UserRegistered },
  'user.updated': { 1: UserUpdated },
  'user.deactivated': { 1: UserDeactivated },
  'user.password_reset_requested': { 1: UserPasswordResetRequested },
};
