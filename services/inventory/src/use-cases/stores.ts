// Reading stores (admin): a page by code, or one.
import type { MikroORM } from '@mercato/db';
import { problems } from '@mercato/kit';
import type { Store } from '../persistence/entities.ts';
import { findStore, storePage } from '../persistence/stores.ts';

export async function listStores(orm: MikroORM, page: { page: number; pageSize: number }) {
  const [items, total] = await storePage(orm.em.fork(), page.page, page.pageSize);
  return { items, total };
}

export async function getStore(orm: MikroORM, id: string): Promise<Store> {
  const store = await findStore(orm.em.fork(), id);
  if (!store) throw problems.notFound(`No store ${id}`);
  return store;
}
