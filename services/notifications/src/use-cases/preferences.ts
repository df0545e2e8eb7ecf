// A customer's mail preferences: marketing mail may be turned on or off; transactional mail (account,
// orders, invoices) cannot be turned off. Versioned: ETag / If-Match.
import type { MikroORM } from '@mercato/db';
import { HttpProblem } from '@mercato/kit';
import { preferenceOf, setMarketing, unsubscribeByToken } from '../persistence/read-models.ts';

export interface PreferencesView {
  marketing: boolean;
  transactional: true;
  version: number;
}

export const transactionalRequired = () =>
  new HttpProblem({
    status: 422,
    slug: 'transactional-mail-required',
    title: 'Transactional mail cannot be turned off',
    detail:
      'Mail about your account, orders and invoices is always sent; only marketing mail can be turned off',
  });

export async function getPreferences(orm: MikroORM, userId: string): Promise<PreferencesView> {
  const p = await orm.em.fork().transactional((em) => preferenceOf(em, userId));
  return { marketing: p.marketing, transactional: true, version: p.version };
}

export async function changePreferences(
  orm: MikroORM,
  userId: string,
  change: { marketing?: boolean; transactional?: boolean },
  checkVersion: (version: number) => void,
): Promise<PreferencesView> {
  if (change.transactional === false) throw transactionalRequired();
  return orm.em.fork().transactional(async (em) => {
    const p = await preferenceOf(em, userId, true);
    checkVersion(p.version);
    if (change.marketing === undefined || change.marketing === p.marketing)
      return { marketing: p.marketing, transactional: true as const, version: p.version };
    await setMarketing(em, userId, change.marketing);
    return { marketing: change.marketing, transactional: true as const, version: p.version + 1 };
  });
}

/** One-click unsubscribe (RFC 8058): returns whether the token was known. */
export function unsubscribe(orm: MikroORM, token: string): Promise<boolean> {
  return orm.em.fork().transactional((em) => unsubscribeByToken(em, token));
}
