import { PageQuery } from '@mercato/kit';
import { type Static, Type } from 'typebox';

const Uuid = Type.String({ format: 'uuid' });
const Quantity = Type.Integer({ minimum: 0, maximum: 1_000_000_000 });

export const StockView = Type.Object({
  id: Uuid,
  productId: Uuid,
  storeId: Uuid,
  onHand: Type.Integer(),
  reserved: Type.Integer(),
  available: Type.Integer(),
  lowStockThreshold: Type.Integer(),
  version: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type StockView = Static<typeof StockView>;

const AdminOnly = '(admins only)';

/** Anyone: productId, available, availability. Admins: everything else too. */
export const ProductStockView = Type.Object({
  productId: Uuid,
  available: Type.Integer({ minimum: 0, description: 'on hand minus reserved, over every store' }),
  availability: Type.Union([Type.Literal('in_stock'), Type.Literal('low'), Type.Literal('out_of_stock')], {
    description: '`low` when available is at or below the threshold (as stock.low), `out_of_stock` at 0',
  }),
  onHand: Type.Optional(Type.Integer({ description: AdminOnly })),
  reserved: Type.Optional(Type.Integer({ description: AdminOnly })),
  lowStockThreshold: Type.Optional(
    Type.Integer({ description: `the sum of the stores’ thresholds ${AdminOnly}` }),
  ),
  low: Type.Optional(Type.Boolean({ description: `available is at or below the threshold ${AdminOnly}` })),
  stores: Type.Optional(
    Type.Array(
      Type.Object({
        stockId: Uuid,
        storeId: Uuid,
        onHand: Type.Integer(),
        reserved: Type.Integer(),
        available: Type.Integer(),
        lowStockThreshold: Type.Integer(),
      }),
      { description: AdminOnly },
    ),
  ),
});
export type ProductStockView = Static<typeof ProductStockView>;

export const CreateStock = Type.Object(
  { productId: Uuid, storeId: Uuid, onHand: Quantity, lowStockThreshold: Type.Optional(Quantity) },
  { additionalProperties: false },
);
export const ReplaceStock = Type.Object(
  { onHand: Quantity, lowStockThreshold: Quantity },
  { additionalProperties: false },
);
export const PatchStock = Type.Object(
  { onHand: Type.Optional(Quantity), lowStockThreshold: Type.Optional(Quantity) },
  { additionalProperties: false, minProperties: 1 },
);
export const StockQuery = Type.Object({
  ...PageQuery.properties,
  productId: Type.Optional(Uuid),
  storeId: Type.Optional(Uuid),
});
// Named `id` like the stock row routes' parameter: `/stocks/{id}` is one path template (two names
// for one segment would be two equivalent templates, which OpenAPI forbids). For GET it is a product id.
export const ProductParam = Type.Object({
  id: Type.String({
    format: 'uuid',
    maxLength: 36,
    description: 'The product id (GET) — not a stock row id',
  }),
});
