// Work that may only run once a transaction has committed: dropping a cache entry, handing a row to
// a worker. A consumer's handler cannot wait for its own commit (the consumer commits after the
// handler returns), so it leaves the work here, keyed by the transaction's EntityManager. Nothing
// runs if the transaction rolls back.
import type { EntityManager, EventSubscriber, MikroORM, TransactionEventArgs } from '@mikro-orm/core';

/** Queues `fn` for `em`'s commit. The commit waits for what `fn` returns. */
export type AfterCommit = (em: EntityManager, fn: () => unknown) => void;

/** Registers one ORM subscriber; the returned function queues work for a transaction's commit. */
export function afterCommitHooks(orm: Pick<MikroORM, 'em'>): AfterCommit {
  const pending = new WeakMap<object, (() => unknown)[]>();
  const subscriber: EventSubscriber = {
    async afterTransactionCommit(args: TransactionEventArgs) {
      const fns = pending.get(args.em);
      if (!fns) return;
      pending.delete(args.em);
      await Promise.all(fns.map((fn) => fn()));
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
