// The consumers' use cases: keeping the product and stock read models (see persistence/read-models.ts).
export { recordProduct, recordProductDeleted, recordStockLevels } from '../persistence/read-models.ts';
