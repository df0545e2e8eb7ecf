// Who sees what: customers their own shipments and returns, admins everyone's.
import type { AuthUser } from '@mercato/kit';
import { problems } from '@mercato/kit';

export type Viewer = Pick<AuthUser, 'sub' | 'role'>;

/** 404 for a row that does not exist or belongs to someone else (no existence leak). */
export function visible<T extends { userId: string }>(
  row: T | null | undefined,
  viewer: Viewer,
  what: string,
): T {
  if (!row || (viewer.role !== 'admin' && row.userId !== viewer.sub))
    throw problems.notFound(`No such ${what}`);
  return row;
}

/** A customer's list is their own; an admin's is everyone's. */
export const ownerFilter = (viewer: Viewer) => (viewer.role === 'admin' ? undefined : viewer.sub);
