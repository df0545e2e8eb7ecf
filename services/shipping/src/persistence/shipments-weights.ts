// The weights of products for parcels (the carrier books by weight and prints it on the label), from
// the rates part's product read model (catalog's `weightGrams`): the same weights quotes used. A
// product without one is left out, and weighs DEFAULT_WEIGHT_GRAMS.
import type { EntityManager } from '@mercato/db';
import { productsOf } from './products.ts';
import { ratesTable } from './rates-sql.ts';

export async function productWeights(
  em: EntityManager,
  productIds: readonly string[],
): Promise<Map<string, number>> {
  const known = await productsOf(em, productIds);
  const weights = new Map<string, number>();
  for (const [id, p] of known) if (p.weightGrams !== undefined) weights.set(id, p.weightGrams);
  return weights;
}

/**
 * The same weights as SQL, for a statement that has the allocations (a jsonb array of
 * `{productId, …}` at `allocations`): a jsonb object product id → grams, `{}` when none is known.
 */
export function weightsOfAllocationsSql(em: Pick<EntityManager, 'config'>, allocations: string): string {
  return `(select coalesce(jsonb_object_agg(p.product_id, p.weight_grams), '{}'::jsonb)
     from ${ratesTable(em, 'product')} p
     where p.product_id in (select (a ->> 'productId')::uuid from jsonb_array_elements(${allocations}) a)
       and not p.deleted and p.weight_grams is not null)`;
}
