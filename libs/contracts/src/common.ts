import { Type } from 'typebox';

export const Uuid = Type.String({ format: 'uuid' });

/** Exact money: a decimal string (never a float) and an ISO 4217 currency. */
export const Money = Type.Object(
  {
    amount: Type.String({ pattern: '^-?\\d{1,12}(\\.\\d{1,4})?$' }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  },
  { additionalProperties: false },
);

export const DateTime = Type.String({ format: 'date-time' });

export const Address = Type.Object({
  name: Type.Optional(Type.String()),
  street: Type.String(),
  city: Type.String(),
  postalCode: Type.String(),
  country: Type.String({ minLength: 2, maxLength: 2 }),
});

export const Role = Type.Union([Type.Literal('customer'), Type.Literal('admin')]);
