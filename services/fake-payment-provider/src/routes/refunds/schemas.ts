import { Type } from 'typebox';
import { Amount } from '../charges/schemas.ts';

export const RefundBody = Type.Object({ charge: Type.String({ minLength: 1 }), amount: Amount });

export const OptionalIdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
});
