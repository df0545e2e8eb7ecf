// The events identity publishes, built from the user row so that every producer sends the same shape
// (pinned in @mercato/contracts).
import type {
  UserDeactivated,
  UserPasswordResetRequested,
  UserRegistered,
  UserRegistrationRefused,
  UserUpdated,
} from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { addToOutbox, envelope } from '@mercato/messaging';
import type { User } from '../persistence/entities.ts';

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

/** The hook for notifications (issue #11): tell `data.email` that this registration created nothing. */
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
