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

/**
 * A new account's address is to be confirmed: carries the single-use token so that notifications can
 * e-mail the verification link (POST /auth/verify takes it). Also on a resend.
 */
export const UserVerificationRequested = Type.Object({
  userId: Uuid,
  email: Type.String(),
  token: Type.String(),
  expiresAt: DateTime,
});

/**
 * An account was erased (DELETE /auth/me or DELETE /users/{id}): every service that holds personal
 * data of `userId` removes it. `email` is the address as it was, so that notifications can send the
 * confirmation before it forgets the address too; nobody else may keep it.
 */
export const UserErased = Type.Object({
  userId: Uuid,
  email: Type.String(),
  erasedAt: DateTime,
});

/**
 * An address was added, replaced or deleted (also each address an account erasure deletes), so that
 * orders can keep a copy. `version` is the row's version and grows with every change (a deletion's
 * is one above the last change's): apply an event only when it is newer than the copy.
 */
export const AddressChanged = Type.Object({
  addressId: Uuid,
  userId: Uuid,
  version: Type.Integer({ minimum: 1 }),
  deleted: Type.Boolean(),
  /** the address as it is now; absent when deleted */
  address: Type.Optional(
    Type.Object({
      recipient: Type.Optional(Type.String()),
      street: Type.String(),
      city: Type.String(),
      postalCode: Type.String(),
      country: Type.String({ minLength: 2, maxLength: 2 }),
    }),
  ),
});

export type UserRegistered = Static<typeof UserRegistered>;
export type UserRegistrationRefused = Static<typeof UserRegistrationRefused>;
export type UserUpdated = Static<typeof UserUpdated>;
export type UserDeactivated = Static<typeof UserDeactivated>;
export type UserPasswordResetRequested = Static<typeof UserPasswordResetRequested>;
export type UserVerificationRequested = Static<typeof UserVerificationRequested>;
export type UserErased = Static<typeof UserErased>;
export type AddressChanged = Static<typeof AddressChanged>;

export const identityContracts = {
  'user.registered': { 1: UserRegistered },
  'user.registration_refused': { 1: UserRegistrationRefused },
  'user.updated': { 1: UserUpdated },
  'user.deactivated': { 1: UserDeactivated },
  'user.password_reset_requested': { 1: UserPasswordResetRequested },
  'user.verification_requested': { 1: UserVerificationRequested },
  'user.erased': { 1: UserErased },
  'address.changed': { 1: AddressChanged },
};
