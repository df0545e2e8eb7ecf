import { PageQuery } from '@mercato/kit';
import { Type } from 'typebox';
import { Email, Name, Password, RoleSchema, Username } from '../common.ts';

export const CreateUserBody = Type.Object(
  {
    email: Email,
    username: Username,
    password: Password,
    name: Type.Optional(Name),
    role: Type.Optional(RoleSchema),
  },
  { additionalProperties: false },
);
export const ListQuery = Type.Object(
  {
    ...PageQuery.properties,
    role: Type.Optional(RoleSchema),
    active: Type.Optional(Type.Boolean()),
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'substring, any case' })),
  },
  { additionalProperties: false },
);
export const UpdateUserBody = Type.Object(
  { role: Type.Optional(RoleSchema), active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);
