// The data-only role a service runs with (DATABASE_RUNTIME_ROLE): the role that migrates owns the
// schema and everything in it; the runtime role may read and write rows, and nothing else — no
// CREATE, ALTER or DROP, so a compromised or buggy service cannot change the schema.
import type pg from 'pg';

/** PostgreSQL's identifier rule for the names we interpolate (schema, role): no quoting surprises. */
export const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export const quote = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/**
 * The statements that give `role` the rights of a running service in `schema`. Run by the role that
 * migrates (the schema's owner): ALTER DEFAULT PRIVILEGES without FOR ROLE covers the tables and
 * sequences *that role* creates later, i.e. every future migration. The tracking table stays
 * read-only for the runtime role: it may check which migrations ran (DATABASE_MIGRATIONS=off), not
 * forge that one did.
 */
export function runtimeGrants(schema: string, role: string): string[] {
  const s = quote(schema);
  const r = quote(role);
  return [
    `grant usage on schema ${s} to ${r}`,
    `grant select, insert, update, delete on all tables in schema ${s} to ${r}`,
    `grant usage, select on all sequences in schema ${s} to ${r}`,
    `alter default privileges in schema ${s} grant select, insert, update, delete on tables to ${r}`,
    `alter default privileges in schema ${s} grant usage, select on sequences to ${r}`,
    `revoke insert, update, delete on ${s}.mikro_orm_migrations from ${r}`,
  ];
}

/** Applies runtimeGrants in one transaction (all or none); idempotent, so every migration run repeats it. */
export async function grantRuntimeRole(client: pg.Client, schema: string, role: string): Promise<void> {
  if (!IDENTIFIER.test(role)) {
    throw new Error(`DATABASE_RUNTIME_ROLE must match [a-z_][a-z0-9_]* (got ${JSON.stringify(role)})`);
  }
  await client.query('begin');
  try {
    for (const sql of runtimeGrants(schema, role)) await client.query(sql);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  }
}
