// POST /recommendations/events: a client's batch of views and add-to-cart events, one transaction for
// the batch (never one per product page: the client collects and sends them together).
import type { MikroORM } from '@mercato/db';
import { decayWeight, weightText } from '../domain/decay.ts';
import { applyViews } from '../domain/sessions.ts';
import { knownProducts, lockCustomerViews, recentViews, saveViews } from '../persistence/views.ts';
import type { ModelSettings } from './context.ts';

export interface ViewEvent {
  type: 'view' | 'add_to_cart';
  productId: string;
}

export async function recordViews(
  orm: MikroORM,
  settings: ModelSettings,
  userId: string,
  events: readonly ViewEvent[],
  now = new Date(),
): Promise<{ accepted: number; ignored: number }> {
  return orm.em.fork().transactional(async (em) => {
    const known = await knownProducts(
      em,
      events.map((e) => e.productId),
    );
    const batch = events.filter((e) => known.has(e.productId)).map((e) => e.productId);
    if (batch.length === 0) return { accepted: 0, ignored: events.length };
    await lockCustomerViews(em, userId);
    const windowStart = now.getTime() - settings.viewSessionMinutes * 60_000;
    const session = (await recentViews(em, userId, settings.recentViewsKept))
      .filter((v) => v.at.getTime() >= windowStart)
      .map((v) => v.productId);
    const change = applyViews(session, batch, settings.recentViewsKept);
    await saveViews(em, {
      userId,
      at: now,
      weight: weightText(decayWeight(now.getTime(), settings.halfLives.coPurchaseDays)),
      viewed: batch,
      newInSession: change.newInSession,
      pairs: change.pairs,
      keep: settings.recentViewsKept,
    });
    return { accepted: batch.length, ignored: events.length - batch.length };
  });
}
