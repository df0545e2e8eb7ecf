// Carts and their lines. Every change runs in a transaction that first locks the cart row
// (`lockCart`), so concurrent edits, merges and checkouts of one cart take turns; each change bumps
// the cart's version (the ETag) and, for a guest cart, pushes its expiry out.
import type { EntityManager } from '@mercato/db';
import { uuidv7 } from 'uuidv7';
import type { CartFields, LineFields } from '../domain/cart.ts';
import { table } from './sql.ts';

interface CartRow {
  id: string;
  user_id: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  expires_at: Date | null;
}
const CART_COLUMNS = 'id, user_id, version, created_at, updated_at, expires_at';
const toCart = (r: CartRow): CartFields => ({
  id: r.id,
  userId: r.user_id,
  version: r.version,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
  expiresAt: r.expires_at ? new Date(r.expires_at) : null,
});

/** Who a cart belongs to: a customer (by user id) or a guest (by the cart the token opened). */
export type CartOwner = { kind: 'user'; userId: string } | { kind: 'guest'; cartId: string };

/** The customer's cart, created if there is none (two first requests at once: one insert wins). */
export async function ensureUserCart(em: EntityManager, userId: string, lock = false): Promise<CartFields> {
  const existing = await findUserCart(em, userId, lock);
  if (existing) return existing;
  await em.execute(
    `insert into ${table(em, 'cart')} (id, user_id) values (?, ?) on conflict (user_id) do nothing`,
    [uuidv7(), userId],
  );
  const created = await findUserCart(em, userId, lock);
  if (!created) throw new Error(`cart of ${userId} vanished right after it was created`);
  return created;
}

export async function findUserCart(
  em: EntityManager,
  userId: string,
  lock = false,
): Promise<CartFields | undefined> {
  const [row] = await em.execute<CartRow[]>(
    `select ${CART_COLUMNS} from ${table(em, 'cart')} where user_id = ?${lock ? ' for update' : ''}`,
    [userId],
  );
  return row ? toCart(row) : undefined;
}

/** A guest cart by its token's hash, unless it expired (an expired token is refused before the sweep). */
export async function findGuestCart(
  em: EntityManager,
  tokenHash: string,
  lock = false,
): Promise<CartFields | undefined> {
  const [row] = await em.execute<CartRow[]>(
    `select ${CART_COLUMNS} from ${table(em, 'cart')}
     where token_hash = ? and expires_at > now()${lock ? ' for update' : ''}`,
    [tokenHash],
  );
  return row ? toCart(row) : undefined;
}

export async function findCartById(
  em: EntityManager,
  id: string,
  lock = false,
): Promise<CartFields | undefined> {
  const [row] = await em.execute<CartRow[]>(
    `select ${CART_COLUMNS} from ${table(em, 'cart')}
     where id = ? and (expires_at is null or expires_at > now())${lock ? ' for update' : ''}`,
    [id],
  );
  return row ? toCart(row) : undefined;
}

/** The owner's cart (a customer's is created on first use); undefined for a guest cart gone meanwhile. */
export function cartOf(em: EntityManager, owner: CartOwner, lock = false): Promise<CartFields | undefined> {
  return owner.kind === 'user'
    ? ensureUserCart(em, owner.userId, lock)
    : findCartById(em, owner.cartId, lock);
}

export async function insertGuestCart(
  em: EntityManager,
  tokenHash: string,
  ttlHours: number,
): Promise<CartFields> {
  const [row] = await em.execute<CartRow[]>(
    `insert into ${table(em, 'cart')} (id, token_hash, expires_at)
     values (?, ?, now() + ? * interval '1 hour') returning ${CART_COLUMNS}`,
    [uuidv7(), tokenHash, ttlHours],
  );
  return toCart(row!);
}

/** After a change of the lines: a new version, and a guest cart lives another TTL from now. */
export async function touchCart(em: EntityManager, cartId: string, ttlHours: number): Promise<CartFields> {
  const [row] = await em.execute<CartRow[]>(
    `update ${table(em, 'cart')} set version = version + 1, updated_at = now(),
       expires_at = case when expires_at is null then null else now() + ? * interval '1 hour' end
     where id = ? returning ${CART_COLUMNS}`,
    [ttlHours, cartId],
  );
  return toCart(row!);
}

export async function deleteCart(em: EntityManager, cartId: string): Promise<void> {
  await em.execute(`delete from ${table(em, 'cart')} where id = ?`, [cartId]);
}

interface LineRow {
  id: string;
  product_id: string;
  name: string;
  quantity: number;
  added_amount: string;
  added_currency: string;
  added_at: Date;
}
const toLine = (r: LineRow): LineFields => ({
  id: r.id,
  productId: r.product_id,
  name: r.name,
  quantity: r.quantity,
  addedAmount: r.added_amount,
  addedCurrency: r.added_currency.trim(),
  addedAt: new Date(r.added_at),
});

export async function linesOf(em: EntityManager, cartId: string): Promise<LineFields[]> {
  const rows = await em.execute<LineRow[]>(
    `select id, product_id, name, quantity, added_amount::text, added_currency, added_at
     from ${table(em, 'cart_line')} where cart_id = ? order by added_at, id`,
    [cartId],
  );
  return rows.map(toLine);
}

export async function insertLine(em: EntityManager, cartId: string, line: LineFields): Promise<void> {
  await em.execute(
    `insert into ${table(em, 'cart_line')}
       (id, cart_id, product_id, name, quantity, added_amount, added_currency, added_at)
     values (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      line.id,
      cartId,
      line.productId,
      line.name,
      line.quantity,
      line.addedAmount,
      line.addedCurrency,
      line.addedAt.toISOString(),
    ],
  );
}

export async function setLineQuantity(em: EntityManager, lineId: string, quantity: number): Promise<void> {
  await em.execute(`update ${table(em, 'cart_line')} set quantity = ? where id = ?`, [quantity, lineId]);
}

export async function deleteLines(
  em: EntityManager,
  cartId: string,
  lineIds?: readonly string[],
): Promise<number> {
  if (lineIds && lineIds.length === 0) return 0;
  const rows = await em.execute<{ id: string }[]>(
    `delete from ${table(em, 'cart_line')} where cart_id = ?${lineIds ? ' and id in (?)' : ''} returning id`,
    lineIds ? [cartId, lineIds] : [cartId],
  );
  return rows.length;
}
