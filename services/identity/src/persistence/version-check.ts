import { problems } from '@mercato/kit';
import { OptimisticLockError } from '@mikro-orm/core';

/** A concurrent update between our read and our write is the same stale read If-Match guards. */
export async function withVersionCheck<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof OptimisticLockError)
      throw problems.preconditionFailed('The resource was changed concurrently; read it again');
    throw err;
  }
}
