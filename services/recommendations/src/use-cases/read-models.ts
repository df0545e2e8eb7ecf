// The consumers' use cases for catalog's and inventory's facts (see persistence/products.ts), and
// account erasure.
export { recordProduct, recordProductDeleted, recordStockLevels } from '../persistence/products.ts';
export { forgetUser } from '../persistence/purchases.ts';
