// The local read models mails are addressed and filled from: identity's users (where a user's mail
// goes; an erased user stays as a tombstone without data), orders as placed (total and named lines
// for the later mails), and the customers' own preferences.
import { randomBytes } from 'node:crypto';
import type { OrderLine, OrderPlaced } from '@mercato/contracts';
import { normalizeAmount } from '@mercato/contracts';
import type { EntityManager } from '@mercato/db';
import { table } from './sql.ts';

export interface Contact {
  email: string | null;
  name: string | null;
  username: string | null;
  erased: boolean;
}

/** user.registered: the first thing known of a user (a user.updated that came first is newer: kept). */
export async function recordRegistered(
  em: EntityManager,
  u: { userId: string; email: string; username: string; name?: string },
): Promise<void> {
  await em.execute(
    `insert into ${table(em, 'user_contact')} (user_id, email, username, name) values (?, ?, ?, ?)
     on conflict (user_id) do update set name = coalesce(${table(em, 'user_contact')}.name, excluded.name)
     where not ${table(em, 'user_contact')}.erased`,
    [u.userId, u.email, u.username, u.name ?? null],
  );
}

/** user.updated: the address (and username) as they are now. */
export async function recordUpdated(
  em: EntityManager,
  u: { userId: string; email: string; username: string },
): Promise<void> {
  await em.execute(
    `insert into ${table(em, 'user_contact')} as c (user_id, email, username) values (?, ?, ?)
     on conflict (user_id) do update set email = excluded.email, username = excluded.username, updated_at = now()
     where not c.erased`,
    [u.userId, u.email, u.username],
  );
}

export async function contactOf(em: EntityManager, userId: string): Promise<Contact | undefined> {
  const [row] = await em.execute<Contact[]>(
    `select email, name, username, erased from ${table(em, 'user_contact')} where user_id = ?`,
    [userId],
  );
  return row;
}

/**
 * The user's contact and the order as placed, in one round trip (a later order mail needs both
 * before it can render): undefined when the user is not known; `order` undefined when the order
 * was not seen.
 */
export async function contactWithOrder(
  em: EntityManager,
  userId: string,
  orderId: string,
): Promise<(Contact & { order: OrderView | undefined }) | undefined> {
  const [row] = await em.execute<(Contact & Partial<OrderViewRow>)[]>(
    `select c.email, c.name, c.username, c.erased,
       o.order_id, o.user_id, o.total_amount::text as total_amount, o.currency, o.lines
     from ${table(em, 'user_contact')} c left join ${table(em, 'order_view')} o on o.order_id = ?
     where c.user_id = ?`,
    [orderId, userId],
  );
  if (!row) return undefined;
  const { email, name, username, erased } = row;
  return {
    email,
    name,
    username,
    erased,
    order: row.order_id ? orderView(row as OrderViewRow) : undefined,
  };
}

/** Erasure: the user becomes a tombstone; their preferences and order views go. */
export async function eraseContact(em: EntityManager, userId: string): Promise<void> {
  await em.execute(
    `insert into ${table(em, 'user_contact')} as c (user_id, email, username, name, erased) values (?, null, null, null, true)
     on conflict (user_id) do update set email = null, username = null, name = null, erased = true, updated_at = now()`,
    [userId],
  );
  await em.execute(`delete from ${table(em, 'preference')} where user_id = ?`, [userId]);
  await em.execute(`delete from ${table(em, 'order_view')} where user_id = ?`, [userId]);
}

export interface OrderView {
  orderId: string;
  userId: string;
  total: { amount: string; currency: string };
  lines: OrderLine[];
}

/** A statement with its parameters, to run alone or inside another (a data-modifying `with`). */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** order.placed / order.lines_changed: the order as it now reads. */
export function recordOrderStatement(em: EntityManager, o: OrderPlaced): Statement {
  return {
    sql: `insert into ${table(em, 'order_view')} (order_id, user_id, total_amount, currency, lines) values (?, ?, ?, ?, ?::jsonb)
     on conflict (order_id) do update set total_amount = excluded.total_amount, currency = excluded.currency,
       lines = excluded.lines`,
    params: [o.orderId, o.userId, normalizeAmount(o.total.amount), o.total.currency, JSON.stringify(o.lines)],
  };
}

export async function recordOrder(em: EntityManager, o: OrderPlaced): Promise<void> {
  const { sql, params } = recordOrderStatement(em, o);
  await em.execute(sql, params);
}

interface OrderViewRow {
  order_id: string;
  user_id: string;
  total_amount: string;
  currency: string;
  lines: OrderLine[];
}

const orderView = (row: OrderViewRow): OrderView => ({
  orderId: row.order_id,
  userId: row.user_id,
  total: { amount: normalizeAmount(row.total_amount), currency: row.currency.trim() },
  lines: row.lines,
});

/** A product's name as the latest order line carrying it said (stock alerts name the product). */
export async function productName(em: EntityManager, productId: string): Promise<string | undefined> {
  const [row] = await em.execute<{ name: string }[]>(
    `select l->>'productName' as name from ${table(em, 'order_view')} o, jsonb_array_elements(o.lines) l
     where l->>'productId' = ? and l->>'productName' is not null order by o.placed_at desc limit 1`,
    [productId],
  );
  return row?.name;
}

export interface Preference {
  marketing: boolean;
  version: number;
  unsubscribeToken: string;
}

const newToken = () => randomBytes(24).toString('base64url');

/** A user's preferences; created with the defaults (no marketing mail) on first use. */
export async function preferenceOf(em: EntityManager, userId: string, lock = false): Promise<Preference> {
  await em.execute(
    `insert into ${table(em, 'preference')} (user_id, unsubscribe_token) values (?, ?) on conflict (user_id) do nothing`,
    [userId, newToken()],
  );
  const [row] = await em.execute<{ marketing: boolean; version: number; unsubscribe_token: string }[]>(
    `select marketing, version, unsubscribe_token from ${table(em, 'preference')} where user_id = ?${lock ? ' for update' : ''}`,
    [userId],
  );
  return { marketing: row!.marketing, version: row!.version, unsubscribeToken: row!.unsubscribe_token };
}

export async function setMarketing(em: EntityManager, userId: string, marketing: boolean): Promise<void> {
  await em.execute(
    `update ${table(em, 'preference')} set marketing = ?, version = version + 1, updated_at = now() where user_id = ?`,
    [marketing, userId],
  );
}

/** The one-click unsubscribe: returns whether the token was known. */
export async function unsubscribeByToken(em: EntityManager, token: string): Promise<boolean> {
  const rows = await em.execute(
    `update ${table(em, 'preference')} set marketing = false,
       version = version + case when marketing then 1 else 0 end, updated_at = now()
     where unsubscribe_token = ? returning user_id`,
    [token],
  );
  return rows.length > 0;
}
