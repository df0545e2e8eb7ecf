// The events identity publishes, built from the user row so that every producer sends the same shape
// (pinned in @mercato/contracts).
import type {
  AddressChanged,
  UserDeactivated,
  UserErased,
  UserPasswordResetRequested,
  UserRegistered,
  UserRegistrationRefused,
  UserUpdated,
  UserVerificationRequested,
} from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { addToOutbox, envelope } from '@mercato/messaging';
import type { Address, User } from '../persistence/entities.ts';

const source = 'identity';

export async function userRegistered(em: EntityManager, user: User): Promise<void> {
  const data: UserRegistered = {
    userId: user.id,
    email: user.email,
    username: user.username,
    role: user.role,
    ...(user.name ? { name: user.name } : {}),
  };
  await addToOutbox(em, envelope('user.registered', data, { source, correlationId: user.id }));
}

/** For notifications: tell the owner of `data.email` that someone tried to register with it. */
export async function registrationRefused(em: EntityManager, data: UserRegistrationRefused): Promise<void> {
  await addToOutbox(em, envelope('user.registration_refused', data, { source, correlationId: data.userId }));
}

export async function userUpdated(em: EntityManager, user: User, changed: string[]): Promise<void> {
  const data: UserUpdated = {
    userId: user.id,
    email: user.email,
    username: user.username,
    role: user.role,
    active: user.active,
    changed,
  };
  await addToOutbox(em, envelope('user.updated', data, { source, correlationId: user.id }));
}

export async function userDeactivated(em: EntityManager, user: User): Promise<void> {
  const data: UserDeactivated = { userId: user.id };
  await addToOutbox(em, envelope('user.deactivated', data, { source, correlationId: user.id }));
}

export async function passwordResetRequested(
  em: EntityManager,
  user: User,
  token: string,
  expiresAt: Date,
): Promise<void> {
  const data: UserPasswordResetRequested = {
    userId: user.id,
    email: user.email,
    token,
    expiresAt: expiresAt.toISOString(),
  };
  await addToOutbox(em, envelope('user.password_reset_requested', data, { source, correlationId: user.id }));
}

/** For notifications to e-mail the verification link (on registration, an e-mail change, a resend). */
export async function verificationRequested(
  em: EntityManager,
  user: User,
  token: string,
  expiresAt: Date,
): Promise<void> {
  const data: UserVerificationRequested = {
    userId: user.id,
    email: user.email,
    token,
    expiresAt: expiresAt.toISOString(),
  };
  await addToOutbox(em, envelope('user.verification_requested', data, { source, correlationId: user.id }));
}

/**
 * Every service that holds personal data of the user removes it. `email` is the address the account
 * had (the row now holds a placeholder): for the confirmation e-mail only.
 */
export async function userErased(
  em: EntityManager,
  user: User,
  email: string,
  erasedAt: Date,
): Promise<void> {
  const data: UserErased = { userId: user.id, email, erasedAt: erasedAt.toISOString() };
  await addToOutbox(em, envelope('user.erased', data, { source, correlationId: user.id }));
}

/**
 * For orders' copy of the addresses (it reads identity only for an address it has not heard of yet):
 * the address as it is after this change, with its row version (call it after the flush that set it).
 */
export async function addressChanged(em: EntityManager, address: Address): Promise<void> {
  const data: AddressChanged = {
    addressId: address.id,
    userId: address.userId,
    version: address.version,
    deleted: false,
    address: {
      ...(address.recipient ? { recipient: address.recipient } : {}),
      street: address.street,
      city: address.city,
      postalCode: address.postalCode,
      country: address.country,
    },
  };
  await addToOutbox(em, envelope('address.changed', data, { source, correlationId: address.userId }));
}

/**
 * The address is deleted (by its owner, an admin, or the account's erasure). `version` is the deleted
 * row's: the event carries one above it, so that it is newer than every change before it.
 */
export async function addressDeleted(
  em: EntityManager,
  address: { id: string; userId: string; version: number },
): Promise<void> {
  const data: AddressChanged = {
    addressId: address.id,
    userId: address.userId,
    version: address.version + 1,
    deleted: true,
  };
  await addToOutbox(em, envelope('address.changed', data, { source, correlationId: address.userId }));
}
