// Announcing stock levels (stock.levels_changed), coalesced. Every change of stock bumps its
// products' level versions in its own transaction; this writes one event for every product whose
// version moved since it was last announced, however many sales moved it. Per sale it would be one
// more outbox row, relay publish and a transaction in every consumer (catalog, cart) on the
// order's hot path; coalesced it is one event per interval.
import type { MikroORM } from '@mercato/db';
import { insertIntoOutbox } from '@mercato/messaging';
import { takeDueLevels } from '../persistence/product-levels.ts';
import { stockLevelsChanged } from './events.ts';

/** Levels per event (and per transaction). */
const BATCH = 500;

/**
 * Announces the due levels of `productIds` (or of every product, in batches, when undefined) and
 * returns how many. Safe on every replica at once: a level announced twice is ignored by consumers,
 * which keep the highest version.
 */
export async function publishLevels(
  orm: MikroORM,
  productIds?: readonly string[],
  stopped: () => boolean = () => false,
): Promise<number> {
  let announced = 0;
  for (;;) {
    const n = await orm.em.fork().transactional(async (em) => {
      const due = await takeDueLevels(em, productIds, BATCH);
      if (due.versions.size === 0) return 0;
      await insertIntoOutbox(em, stockLevelsChanged(due.versions.keys(), due.rows, due.versions));
      return due.versions.size;
    });
    announced += n;
    if (n < BATCH || stopped()) return announced;
  }
}
