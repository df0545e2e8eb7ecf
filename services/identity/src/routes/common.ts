// Schemas and the user view shared by the resources.
import { Type } from 'typebox';
import type { User } from '../persistence/entities.ts';

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
  emailVerified: Type.Boolean({
    description: 'whether the owner confirmed the e-mail address (POST /auth/verify)',
  }),
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
    emailVerified: user.emailVerifiedAt !== null,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
