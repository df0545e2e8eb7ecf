// An Idempotency-Key's record: who sent it (keys are scoped by user), the fingerprint of the request
// it first came with, what that request answered, and when. One row per (user_id, key), the primary
// key that settles two concurrent requests with the same key: the second INSERT fails with a unique
// violation once the first commits, and the second request answers like the first.
import { deleteExpiredRows, type EntityManager, type ExpiryOptions, type MikroORM } from '@mercato/db';
import { type Periodic, problems, startPeriodic } from '@mercato/kit';
import { UniqueConstraintViolationException } from '@mikro-orm/core';

/** The response header that marks a replayed answer. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

/** One keyed request: its user (the scope of keys), the Idempotency-Key, the request's fingerprint. */
export interface IdempotentRequest {
  userId: string;
  key: string;
  fingerprint: string;
}

/**
 * The request to remember, or undefined when no key came (nothing is stored or compared then). The
 * fingerprint is computed only when there is a key.
 */
export function idempotentRequest(
  userId: string,
  key: string | undefined,
  fingerprintOf: () => string,
): IdempotentRequest | undefined {
  return key ? { userId, key, fingerprint: fingerprintOf() } : undefined;
}

/** A piece of SQL and its positional (`?`) parameters, to be placed inside a larger statement. */
export interface SqlFragment {
  sql: string;
  params: unknown[];
}

/**
 * How the first answer is kept in the table's answer columns. Two layouts exist: `storedResponse`
 * (the status code and body, replayed verbatim) and `storedResource` (the id of what the first
 * request created, rendered afresh on a replay).
 */
export interface AnswerColumns<A> {
  /** [column, SQL type] in insert order */
  columns: readonly (readonly [column: string, sqlType: string])[];
  toParams(answer: A): unknown[];
  fromRow(row: Record<string, unknown>): A;
}

export interface StoredResponse<B = unknown> {
  statusCode: number;
  body: B;
}

/** Columns `status_code integer, response jsonb`: the layout of `idempotencyMigration`. */
export function storedResponse<B = unknown>(): AnswerColumns<StoredResponse<B>> {
  return {
    columns: [
      ['status_code', 'integer'],
      ['response', 'jsonb'],
    ],
    toParams: (a) => [a.statusCode, JSON.stringify(a.body)],
    fromRow: (row) => ({ statusCode: row.status_code as number, body: row.response as B }),
  };
}

export interface StoredResource {
  resourceId: string;
}

/** Column `resource_id uuid`: the id of the resource the first request created. */
export const storedResource: AnswerColumns<StoredResource> = {
  columns: [['resource_id', 'uuid']],
  toParams: (a) => [a.resourceId],
  fromRow: (row) => ({ resourceId: row.resource_id as string }),
};

export interface IdempotencyOptions<A> {
  answer: AnswerColumns<A>;
  /** the service's table, unqualified (default 'idempotency_key') */
  table?: string;
  /**
   * The failure for a key that comes back with a different request. Default: 422
   * (`problems.unprocessable`, extension `idempotencyKey`).
   */
  mismatch?: (key: string) => Error;
}

/** The outcome of `execute`: the work's own result, or the stored answer of an earlier request. */
export type Outcome<A, R> = { replayed: false; result: R } | { replayed: true; answer: A };

/** The same key again: PostgreSQL's unique_violation (MikroORM's exception carries the code). */
export function isUniqueViolation(err: unknown): boolean {
  if (err instanceof UniqueConstraintViolationException) return true;
  return (err as { code?: string } | undefined)?.code === '23505';
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
const quote = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

export interface SweeperOptions {
  orm: MikroORM;
  logger: { debug?(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  /** records older than this go (IDEMPOTENCY_KEY_TTL_HOURS) */
  ttlHours: number;
  /** default 60 s; the TTL is counted in hours */
  intervalMs?: number;
}

export class Idempotency<A> {
  readonly table: string;
  readonly #answer: AnswerColumns<A>;
  readonly #mismatch: (key: string) => Error;

  constructor(opts: IdempotencyOptions<A>) {
    this.table = opts.table ?? 'idempotency_key';
    if (!IDENT.test(this.table)) throw new Error(`idempotency: bad table name ${this.table}`);
    for (const [column] of opts.answer.columns)
      if (!IDENT.test(column)) throw new Error(`idempotency: bad column name ${column}`);
    this.#answer = opts.answer;
    this.#mismatch =
      opts.mismatch ??
      ((key) =>
        problems.unprocessable('This Idempotency-Key was already used with a different request', {
          idempotencyKey: key,
        }));
  }

  /** The table, qualified with em's schema as the ORM's own queries are (for a caller's own statement). */
  qualified(em: Pick<EntityManager, 'config'>): string {
    const schema = em.config.get('schema');
    return schema ? `${quote(schema)}.${quote(this.table)}` : quote(this.table);
  }

  /**
   * The answer stored for this user's key (one SELECT), or undefined when the key is new. The same
   * key with a different fingerprint throws the mismatch problem (422 by default).
   */
  async lookup(em: EntityManager, req: IdempotentRequest): Promise<A | undefined> {
    const columns = this.#answer.columns.map(([c]) => c).join(', ');
    const [row]: Record<string, unknown>[] = await em.execute(
      `select fingerprint, ${columns} from ${this.qualified(em)} where user_id = ? and key = ?`,
      [req.userId, req.key],
    );
    return this.answerOf(req, row);
  }

  /**
   * What `lookup` answers from the record's row (`fingerprint` and the answer's columns) when a
   * caller reads it in a statement of its own, beside other reads: one round trip instead of two
   * (orders' placement). No row: undefined; another request's fingerprint: the mismatch problem.
   */
  answerOf(req: IdempotentRequest, row: Record<string, unknown> | undefined): A | undefined {
    if (!row) return undefined;
    if (row.fingerprint !== req.fingerprint) throw this.#mismatch(req.key);
    return this.#answer.fromRow(row);
  }

  /**
   * The INSERT of the record as a fragment for a single-statement write (a data-modifying CTE, or
   * the statement's final part), qualified with em's schema. `createdAt` defaults to the database's now().
   */
  insertFragment(
    em: Pick<EntityManager, 'config'>,
    req: IdempotentRequest,
    answer: A,
    createdAt?: Date,
  ): SqlFragment {
    const cols = this.#answer.columns;
    const names = ['user_id', 'key', 'fingerprint', ...cols.map(([c]) => c), 'created_at'];
    const values = ['?', '?', '?', ...cols.map(([, type]) => `?::${type}`), '?::timestamptz'];
    return {
      sql: `insert into ${this.qualified(em)} (${names.join(', ')}) values (${values.join(', ')})`,
      params: [
        req.userId,
        req.key,
        req.fingerprint,
        ...this.#answer.toParams(answer),
        (createdAt ?? new Date()).toISOString(),
      ],
    };
  }

  /**
   * Inserts the record now, in em's transaction (one statement). A concurrent request with the same
   * key makes it wait for that one's commit, then fail with a unique violation (see `raceWinner`).
   */
  async insert(em: EntityManager, req: IdempotentRequest, answer: A, createdAt?: Date): Promise<void> {
    const { sql, params } = this.insertFragment(em, req, answer, createdAt);
    await em.execute(sql, params);
  }

  /**
   * After a write failed: when `err` is the unique violation of a concurrent request with the same
   * key that won, that request's answer (checked like `lookup`); otherwise undefined, and the caller
   * rethrows (or answers otherwise). `em` must be outside the failed transaction.
   */
  async raceWinner(em: EntityManager, req: IdempotentRequest, err: unknown): Promise<A | undefined> {
    if (!isUniqueViolation(err)) return undefined;
    return this.lookup(em, req);
  }

  /**
   * The whole mechanism for a use case whose write runs in its own transaction: without a key,
   * `work` runs as it is. With one, a stored answer is returned instead of running `work` (mismatch:
   * 422); otherwise `work` runs and must call `remember(em, answer)` inside its transaction, so the
   * record commits with the state change; a concurrent duplicate that lost the race gets the
   * winner's answer. Any other failure, and a unique violation that is not the key's, is rethrown.
   */
  async execute<R>(
    em: EntityManager,
    req: IdempotentRequest | undefined,
    work: (remember: (tx: EntityManager, answer: A) => Promise<void>) => Promise<R>,
  ): Promise<Outcome<A, R>> {
    if (!req) return { replayed: false, result: await work(async () => {}) };
    const stored = await this.lookup(em, req);
    if (stored !== undefined) return { replayed: true, answer: stored };
    try {
      return { replayed: false, result: await work((tx, answer) => this.insert(tx, req, answer)) };
    } catch (err) {
      const winner = await this.raceWinner(em.fork(), req, err);
      if (winner === undefined) throw err;
      return { replayed: true, answer: winner };
    }
  }

  /**
   * Deletes the records older than `ttlHours` in short batches (`deleteExpiredRows`: SKIP LOCKED,
   * safe on every replica at once); returns how many went. Within the TTL a key replays; once its
   * record is gone the same key is a new request. A record past the TTL that no pass reached yet
   * still replays.
   */
  deleteExpired(
    orm: Pick<MikroORM, 'em'>,
    ttlHours: number,
    opts: Pick<ExpiryOptions, 'batchSize' | 'maxBatches' | 'stopped'> = {},
  ): Promise<number> {
    return deleteExpiredRows(orm, {
      table: this.table,
      column: 'created_at',
      olderThanHours: ttlHours,
      ...opts,
    });
  }

  /**
   * Runs `deleteExpired` every `intervalMs` on this replica (register `stop` with the builder's
   * stopOnClose; it waits for the pass in progress, which ends early between batches).
   */
  startSweeper(opts: SweeperOptions): Periodic {
    return startPeriodic(
      opts.intervalMs ?? 60_000,
      async (stopped) => {
        const n = await this.deleteExpired(opts.orm, opts.ttlHours, { stopped });
        if (n > 0) opts.logger.debug?.({ deleted: n }, 'expired idempotency keys deleted');
      },
      (err) => opts.logger.warn({ err }, 'deleting expired idempotency keys failed; retrying next round'),
    );
  }
}

/** The Idempotency-Key mechanism over one table: `idempotency({ answer: storedResponse<View>() })`. */
export function idempotency<A>(opts: IdempotencyOptions<A>): Idempotency<A> {
  return new Idempotency(opts);
}
