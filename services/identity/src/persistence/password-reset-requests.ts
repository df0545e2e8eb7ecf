// Password-reset requests waiting for the background worker (workers/password-reset-requests.ts).
import type { EntityManager } from '@mercato/db';
import { uuidv7 } from 'uuidv7';

export async function addPasswordResetRequest(em: EntityManager, email: string): Promise<void> {
  await em.execute('insert into password_reset_request (id, email, requested_at) values (?, ?, now())', [
    uuidv7(),
    email,
  ]);
}

/** Takes up to `limit` of the oldest requests off the queue in `tx` (SKIP LOCKED: safe on every replica). */
export async function takePasswordResetRequests(tx: EntityManager, limit: number): Promise<string[]> {
  const rows = await tx.execute<{ email: string }[]>(
    `delete from password_reset_request where id in (
       select id from password_reset_request order by id limit ? for update skip locked
     ) returning email`,
    [limit],
  );
  return rows.map((r) => r.email);
}
