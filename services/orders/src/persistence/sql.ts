// Helpers for the hand-written SQL of the hot paths (placement, confirmation, the price read model),
// where a plain statement does what the ORM's load + unit of work would do in more round trips.
import type { EntityManager } from '@mercato/db';

const quote = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/** The ORM's schema (orders, or a test's), quoted: qualifies tables as the ORM's own queries do. */
export function schemaOf(em: Pick<EntityManager, 'config'>): string {
  return quote(em.config.get('schema') as string);
}
