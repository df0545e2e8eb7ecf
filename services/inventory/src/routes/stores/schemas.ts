import { type Static, Type } from 'typebox';

const Code = Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9_-]+$', examples: ['BER-1'] });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Address = Type.Union([Type.String({ minLength: 1, maxLength: 500 }), Type.Null()]);

export const StoreView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  code: Code,
  name: Name,
  address: Address,
  active: Type.Boolean(),
  version: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type StoreView = Static<typeof StoreView>;

export const CreateStore = Type.Object(
  { code: Code, name: Name, address: Type.Optional(Address), active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export const ReplaceStore = Type.Object(
  { code: Code, name: Name, address: Address, active: Type.Boolean() },
  { additionalProperties: false },
);
export const PatchStore = Type.Object(
  {
    code: Type.Optional(Code),
    name: Type.Optional(Name),
    address: Type.Optional(Address),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
