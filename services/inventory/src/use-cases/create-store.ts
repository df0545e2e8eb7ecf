import type { MikroORM } from '@mercato/db';
import { problems } from '@mercato/kit';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { uuidv7 } from 'uuidv7';
import { Store } from '../persistence/entities.ts';

export interface NewStore {
  code: string;
  name: string;
  address?: string | null;
  active?: boolean;
}

/** A new store; 409 when its code is taken. */
export async function createStore(orm: MikroORM, input: NewStore): Promise<Store> {
  const em = orm.em.fork();
  const now = new Date();
  const store = em.create(Store, {
    id: uuidv7(),
    code: input.code,
    name: input.name,
    address: input.address ?? null,
    active: input.active ?? true,
    createdAt: now,
    updatedAt: now,
  });
  try {
    await em.flush();
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException)
      throw problems.conflict(`A store with code ${input.code} exists`);
    throw err;
  }
  return store;
}
