// The development signing key, kept in identity's own schema when no JWT_PRIVATE_KEY is configured.
import type { EntityManager } from '@mercato/db';

const NAME = 'development';

/**
 * The stored key, or `generated` stored as the key when there is none yet. Two replicas starting at
 * once both try the insert; the primary key lets one win and both read the winner.
 */
export async function developmentKeyPem(em: EntityManager, generated: () => string): Promise<string> {
  await em.execute(
    'insert into signing_key (name, private_key_pem, created_at) values (?, ?, now()) on conflict (name) do nothing',
    [NAME, generated()],
  );
  const [row] = await em.execute<{ private_key_pem: string }[]>(
    'select private_key_pem from signing_key where name = ?',
    [NAME],
  );
  return row!.private_key_pem;
}
