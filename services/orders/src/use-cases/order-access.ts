// What every use case on one order shares: who may see it, and the transaction whose failures
// become problems (a transition the machine forbids, a concurrent change caught by the version).
import type { EntityManager, MikroORM } from '@mercato/db';
import { type AuthUser, problems } from '@mercato/kit';
import { OptimisticLockError } from '@mikro-orm/core';
import { IllegalTransitionError } from '../domain/status.ts';
import type { Order } from '../persistence/entities.ts';

/** The caller of a use case: the token's subject and role. */
export type Caller = Pick<AuthUser, 'sub' | 'role'>;

/** An If-Match check: throws (412) when the client's version is stale. */
export type VersionCheck = (version: number) => void;

/** The order, or 404 when it does not exist or belongs to someone else (no existence leak). */
export function visibleOrder(order: Order | null, user: Caller): Order {
  if (!order || (user.role !== 'admin' && order.userId !== user.sub))
    throw problems.notFound('No such order');
  return order;
}

/** Runs `work` in one transaction on a fresh EntityManager. */
export async function inTransaction<T>(orm: MikroORM, work: (em: EntityManager) => Promise<T>): Promise<T> {
  try {
    return await orm.em.fork().transactional(work);
  } catch (error) {
    if (error instanceof IllegalTransitionError)
      throw problems.conflict(error.message, { from: error.from, to: error.to });
    if (error instanceof OptimisticLockError)
      throw problems.conflict('The order changed meanwhile; read it again');
    throw error;
  }
}
