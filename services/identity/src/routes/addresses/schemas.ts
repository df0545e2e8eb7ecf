import { PageQuery } from '@mercato/kit';
import { Type } from 'typebox';

const Text = (max: number, extra: { description?: string; examples?: string[] } = {}) =>
  Type.String({ minLength: 1, maxLength: max, pattern: '\\S', ...extra });
export const AddressBody = Type.Object(
  {
    // The same rules as the street: not blank, bounded; control characters are refused for every string.
    recipient: Type.Optional(
      Text(200, { description: 'The name on the parcel (optional)', examples: ['Ada Lovelace'] }),
    ),
    street: Text(200),
    city: Text(100),
    postalCode: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9 -]{0,14}$', examples: ['10115'] }),
    country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2', examples: ['DE'] }),
    isDefault: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const AddressView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  userId: Type.String({ format: 'uuid' }),
  recipient: Type.Optional(Type.String()),
  street: Type.String(),
  city: Type.String(),
  postalCode: Type.String(),
  country: Type.String(),
  isDefault: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export const ListQuery = Type.Object(
  {
    ...PageQuery.properties,
    userId: Type.Optional(Type.String({ format: 'uuid', description: 'admins only: one user’s addresses' })),
  },
  { additionalProperties: false },
);
