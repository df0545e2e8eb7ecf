import { Type } from 'typebox';

export const Amount = Type.String({ pattern: '^\\d{1,12}(\\.\\d{1,4})?$' });

export const ChargeBody = Type.Object({
  amount: Amount,
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  token: Type.String({ minLength: 1, maxLength: 200 }),
  reference: Type.String({ minLength: 1, maxLength: 200 }),
});

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.String({ minLength: 1, maxLength: 255 }),
});
