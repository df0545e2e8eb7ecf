// Work that may only start once a transaction has committed. A consumer's handler cannot wait for its
// own commit (startConsumer commits after the handler returns), so it leaves the work here, keyed by
// the transaction's EntityManager — the same pattern as inventory's cache invalidation. Nothing runs
// if the transaction rolls back.
import type { EntityManager, MikroORM } from '@mercato/db';
import type { EventSubscriber, TransactionEventArgs } from '@mikro-orm/core';

export type AfterCommit = (em: EntityManager, fn: () => void) => void;

/** Registers the ORM subscriber once; the returned function queues `fn` for `em`'s commit. */
export function afterCommitHooks(orm: MikroORM): AfterCommit {
  const pending = new WeakMap<object, (() => void)[]>();
  const subscriber: EventSubscriber = {
    afterTransactionCommit(args: TransactionEventArgs) {
      const fns = pending.get(args.em);
      pending.delete(args.em);
      for (const fn of fns ?? []) fn();
    },
    afterTransactionRollback(args: TransactionEventArgs) {
      pending.delete(args.em);
    },
  };
  orm.em.getEventManager().registerSubscriber(subscriber);
  return (em, fn) => {
    const fns = pending.get(em);
    if (fns) fns.push(fn);
    else pending.set(em, [fn]);
  };
}
