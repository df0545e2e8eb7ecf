// Who sees what: customers their own payments, admins everyone's.
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
