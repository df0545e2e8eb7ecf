import type { MikroORM } from '@mercato/db';
import { problems } from '@mercato/kit';
import { OptimisticLockError, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Store } from '../persistence/entities.ts';
import { findStore } from '../persistence/stores.ts';

export interface StoreChanges {
  code?: string;
  name?: string;
  address?: string | null;
  active?: boolean;
}

/**
 * Replaces (every field given) or changes (some) a store. `ifMatch` checks the client's precondition
 * against the current version (412 when stale); without it the change is unconditional.
 */
export async function changeStore(
  orm: MikroORM,
  input: { id: string; changes: StoreChanges; ifMatch?: (version: number) => void },
): Promise<Store> {
  const { id, changes } = input;
  const em = orm.em.fork();
  const store = await findStore(em, id);
  if (!store) throw problems.notFound(`No store ${id}`);
  input.ifMatch?.(store.version);
  if (changes.code !== undefined) store.code = changes.code;
  if (changes.name !== undefined) store.name = changes.name;
  if (changes.address !== undefined) store.address = changes.address;
  if (changes.active !== undefined) store.active = changes.active;
  store.updatedAt = new Date();
  try {
    await em.flush();
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException)
      throw problems.conflict(`A store with code ${changes.code} exists`);
    if (err instanceof OptimisticLockError)
      throw problems.preconditionFailed('The store was changed meanwhile; read it again');
    throw err;
  }
  return store;
}
