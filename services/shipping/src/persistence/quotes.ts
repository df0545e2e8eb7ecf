// Quotes as stored: what was offered, with which table version, until when. Never changed once
// written (that is what honouring a quote means); deleted by the sweep some time after expiry.
import type { ServiceLevel } from '@mercato/contracts';
import { deleteExpiredRows, type EntityManager, type MikroORM } from '@mercato/db';
import type { QuotedOption, RequestedLine } from '../domain/rates.ts';
import { ratesTable } from './rates-sql.ts';

export interface StoredQuote {
  id: string;
  rateTableVersion: number;
  country: string;
  postalCode?: string;
  currency: string;
  subtotal: string;
  weightGrams: number;
  zone: string;
  lines: RequestedLine[];
  options: QuotedOption[];
  createdAt: Date;
  expiresAt: Date;
}

export type NewQuote = Omit<StoredQuote, 'createdAt' | 'expiresAt'>;

interface QuoteRow {
  id: string;
  rate_table_version: number;
  country: string;
  postal_code: string | null;
  currency: string;
  subtotal: string;
  weight_grams: string | number;
  zone: string;
  lines: RequestedLine[];
  options: { level: ServiceLevel; price: string; estimatedDays: { min: number; max: number } }[];
  created_at: Date | string;
  expires_at: Date | string;
}

const COLUMNS = `id, rate_table_version, country, postal_code, currency, subtotal::text, weight_grams, zone,
  lines, options, created_at, expires_at`;

const toQuote = (r: QuoteRow): StoredQuote => ({
  id: r.id,
  rateTableVersion: r.rate_table_version,
  country: r.country.trim(),
  ...(r.postal_code === null ? {} : { postalCode: r.postal_code }),
  currency: r.currency.trim(),
  subtotal: r.subtotal,
  weightGrams: Number(r.weight_grams),
  zone: r.zone,
  lines: r.lines,
  options: r.options,
  createdAt: new Date(r.created_at),
  expiresAt: new Date(r.expires_at),
});

/** Stores the quote; its life starts now by the database's clock (the one the sweep goes by). */
export async function insertQuote(em: EntityManager, q: NewQuote, ttlMinutes: number): Promise<StoredQuote> {
  const [row] = await em.execute<QuoteRow[]>(
    `insert into ${ratesTable(em, 'quote')} (id, rate_table_version, country, postal_code, currency, subtotal,
       weight_grams, zone, lines, options, created_at, expires_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, now(), now() + ? * interval '1 minute')
     returning ${COLUMNS}`,
    [
      q.id,
      q.rateTableVersion,
      q.country,
      q.postalCode ?? null,
      q.currency,
      q.subtotal,
      q.weightGrams,
      q.zone,
      JSON.stringify(q.lines),
      JSON.stringify(q.options),
      ttlMinutes,
    ],
  );
  return toQuote(row!);
}

export async function findQuote(em: EntityManager, id: string): Promise<StoredQuote | undefined> {
  const [row] = await em.execute<QuoteRow[]>(
    `select ${COLUMNS} from ${ratesTable(em, 'quote')} where id = ?`,
    [id],
  );
  return row ? toQuote(row) : undefined;
}

/** Deletes quotes that expired more than `retentionHours` ago (short SKIP LOCKED batches). */
export function sweepExpiredQuotes(
  orm: Pick<MikroORM, 'em'>,
  retentionHours: number,
  stopped?: () => boolean,
): Promise<number> {
  return deleteExpiredRows(orm, {
    table: 'quote',
    column: 'expires_at',
    olderThanHours: retentionHours,
    stopped,
  });
}
