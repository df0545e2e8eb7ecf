// Schemas and helpers shared by the resources.
import type { EntityManager } from '@mercato/db';
import { ProblemSchema, problems } from '@mercato/kit';
import { OptimisticLockError } from '@mikro-orm/core';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { User } from '../entities.ts';

export const Email = Type.String({ format: 'email', maxLength: 254, examples: ['ann@example.com'] });
export const Username = Type.String({
  pattern: '^[a-zA-Z0-9_.-]{3,32}$',
  description: '3 to 32 letters, digits, ".", "_" or "-"',
  examples: ['ann'],
});
// Strength is judged by the password policy, which says why; the schema only bounds the size.
export const Password = Type.String({ minLength: 1, maxLength: 256, examples: ['correct-Horse-battery'] });
export const Name = Type.String({ minLength: 1, maxLength: 200 });
export const RoleSchema = Type.Union([Type.Literal('customer'), Type.Literal('admin')]);

export const UserView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  username: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  role: RoleSchema,
  active: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export function userView(user: User) {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    name: user.name ?? null,
    role: user.role,
    active: user.active,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

/** OpenAPI entries for the problem answers a route can give. */
export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, ProblemSchema]));
}

/** The caller's user row; a token of a user that is gone or deactivated is no longer good. */
export async function currentUser(em: EntityManager, request: FastifyRequest): Promise<User> {
  const user = await em.findOne(User, request.user.sub);
  if (!user?.active) throw problems.unauthorized('The account does not exist or is deactivated');
  return user;
}

/** A concurrent update between our read and our write is the same stale read If-Match guards. */
export async function withVersionCheck<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof OptimisticLockError)
      throw problems.preconditionFailed('The resource was changed concurrently; read it again');
    throw err;
  }
}
