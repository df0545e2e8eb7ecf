// Writes stock.levels_changed shortly after stock changes, one event for all of them (see
// use-cases/publish-levels.ts). The products changed in this process are announced within
// LEVELS_PUBLISH_INTERVAL_MS; a sweep every LEVELS_SWEEP_INTERVAL_MS announces whatever is still
// due (a change by another replica that stopped before announcing it, or by this one before a
// crash). With nothing changed a tick does not touch the database.
import type { MikroORM } from '@mercato/db';
import { type Periodic, startPeriodic } from '@mercato/kit';
import type { Logger } from '@mercato/messaging';
import { publishLevels } from '../use-cases/publish-levels.ts';

export interface LevelPublisher extends Periodic {
  /** These products' stock changed (call after the commit). */
  changed(productIds: Iterable<string>): void;
}

export function startLevelPublisher(opts: {
  orm: MikroORM;
  logger: Logger;
  intervalMs: number;
  sweepIntervalMs: number;
}): LevelPublisher {
  let changed = new Set<string>();
  // The first pass sweeps: what was left unannounced before a restart goes out at once.
  let nextSweep = 0;
  const periodic = startPeriodic(
    opts.intervalMs,
    async (stopped) => {
      if (Date.now() >= nextSweep) {
        nextSweep = Date.now() + opts.sweepIntervalMs;
        changed = new Set();
        const n = await publishLevels(opts.orm, undefined, stopped);
        if (n > 0) opts.logger.debug?.({ levels: n }, 'stock levels announced by the sweep');
        return;
      }
      if (changed.size === 0) return;
      const ids = [...changed];
      changed = new Set();
      try {
        await publishLevels(opts.orm, ids, stopped);
      } catch (err) {
        // Not lost: they are announced on the next change or sweep; try them again next tick.
        for (const id of ids) changed.add(id);
        throw err;
      }
    },
    (err) => opts.logger.warn({ err }, 'announcing stock levels failed; retrying'),
  );
  return {
    changed(productIds) {
      for (const id of productIds) changed.add(id);
    },
    stop: () => periodic.stop(),
  };
}
