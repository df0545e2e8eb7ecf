// Table names qualified with the ORM's schema (recommendations, or a test's), as the ORM's own queries are.
import type { EntityManager } from '@mercato/db';

const quote = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

export function table(em: Pick<EntityManager, 'config'>, name: string): string {
  return `${quote(em.config.get('schema') as string)}.${quote(name)}`;
}
