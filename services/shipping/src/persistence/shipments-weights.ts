// The weights of products for parcels (the carrier books by weight and prints it on the label), from
// the rates part's product read model (catalog's `weightGrams`): the same weights quotes used. A
// product without one is left out, and weighs DEFAULT_WEIGHT_GRAMS.
import type { EntityManager } from '@mercato/db';
import { productsOf } from './products.ts';

export async function productWeights(
  em: EntityManager,
  productIds: readonly string[],
): Promise<Map<string, number>> {
  const known = await productsOf(em, productIds);
  const weights = new Map<string, number>();
  for (const [id, p] of known) if (p.weightGrams !== undefined) weights.set(id, p.weightGrams);
  return weights;
}
