// What the answers read, held in this process: each product's facts and availability, its strongest
// partners (bought and viewed together), and the popular lists. Answers then cost no statement at all
// ("bought together") or one (the customer's history, for "for you"), where they cost three to five.
//
// It is kept true by a change feed, not by a time to live: every write that changes anything an answer
// could say about a product stamps the product row with its transaction id (`changed_xid`: catalog's
// facts, inventory's verdict, its counts, its pairs — persistence/products.ts, statistics.ts,
// views.ts), and every POLL_MS each replica reads the rows stamped since its last look
// (queries.ts `changesSince`): a changed product gets its new facts and loses its cached lists, and any
// change drops the popular lists. So a product that goes inactive or out of stock leaves every answer
// of every replica within POLL_MS of the commit (plus one statement); in the process that handled the
// event, at once: a commit here looks right away, and answers wait for that look.
//
// What stays approximate, by choice: a cached list is dropped when its own product changes, not when
// a partner's count moves (a best-seller's count moves with every order: dropping every list holding
// it would empty the cache under load). A partner's score in a list is then the cosine as of the
// list's loading; the next change of the product itself reloads it. Each list keeps the product's
// NEIGHBOURS_KEPT strongest partners: "for you" sums these lists over the customer's seeds.
//
// A value loaded from the tables is kept only when no look brought changes while it loaded (it may
// have been read before them); otherwise it serves the request that loaded it and is dropped.
import type { EntityManager, MikroORM } from '@mercato/db';
import {
  absentEntry,
  changesSince,
  type Neighbours,
  neighbours,
  type ProductEntry,
  popularTop,
  productEntries,
} from './queries.ts';

export interface PopularList {
  ids: string[];
  weights: number[];
  /** there may be more than kept */
  truncated: boolean;
}

export interface ReadCacheOptions {
  /** pairs with fewer shared orders are not bought together (MIN_CO_PURCHASES) */
  minCoPurchases: number;
  /** partners kept per product and signal */
  neighboursKept: number;
  /** products kept per popular list */
  popularKept: number;
  /**
   * How often the change feed is read (default 250 ms): the other replicas' commits reach this one's
   * answers within that (the bound is a second), and an idle replica sends 4 statements a
   * second (issue 14's bound: at most 5 transactions a second per replica).
   */
  pollMs?: number;
  /** products and lists held at most (the oldest loaded go first) */
  maxProducts?: number;
  maxLists?: number;
  warn?: (err: unknown, msg: string) => void;
}

/** A Map that forgets its oldest key when it grows past `max`. */
class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }
  override set(key: K, value: V): this {
    if (this.size >= this.max && !this.has(key)) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}

type Signal = 'bought' | 'viewed';

interface Held {
  entry: ProductEntry;
  /** the feed brought it (a feed row with the same stamp is then nothing new) */
  fed: boolean;
}

export class ReadCache {
  private readonly products: BoundedMap<string, Held>;
  private readonly lists: Record<Signal, BoundedMap<string, Neighbours>>;
  private readonly popular = new Map<string | undefined, PopularList>();
  /** the xmin of the last look's snapshot (null: no look yet) */
  private horizon: string | null = null;
  /** false until a look succeeded, and after a failed one: nothing is kept meanwhile */
  private following = false;
  /** grows whenever a look brings changes (or the feed is lost): loads started before are not kept */
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private looking: Promise<void> | undefined;
  private poked = false;
  private settling: Promise<void> | undefined;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly opts: ReadCacheOptions,
  ) {
    this.products = new BoundedMap(opts.maxProducts ?? 200_000);
    const maxLists = opts.maxLists ?? 50_000;
    this.lists = { bought: new BoundedMap(maxLists), viewed: new BoundedMap(maxLists) };
  }

  /** Starts reading the change feed every pollMs. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (!this.settling) void this.look();
    }, this.opts.pollMs ?? 250);
    this.timer.unref();
    void this.look();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.settling;
    await this.looking;
  }

  /** A transaction of this process committed: look now (answers wait for it: see fresh()). */
  committed(): void {
    if (this.stopped) return;
    this.poked = true;
    if (this.settling) return;
    this.settling = (async () => {
      while (this.poked) {
        this.poked = false;
        await this.look();
      }
    })().finally(() => {
      this.settling = undefined;
      if (this.poked) this.committed();
    });
  }

  /** Resolves once what this process committed so far has been looked at (at once, usually). */
  fresh(): Promise<void> | undefined {
    return this.settling;
  }

  /** The entry held for a product, if any (no loading: see entriesOf). */
  held(productId: string): ProductEntry | undefined {
    return this.products.get(productId)?.entry;
  }

  /** The entries of these products (an unknown id gets an entry that is neither listed nor recommendable). */
  async entriesOf(ids: readonly string[]): Promise<Map<string, ProductEntry>> {
    const out = new Map<string, ProductEntry>();
    const missing: string[] = [];
    for (const id of ids) {
      const held = this.products.get(id);
      if (held) out.set(id, held.entry);
      else missing.push(id);
    }
    if (missing.length === 0) return out;
    const unique = [...new Set(missing)];
    const loaded = await this.load(
      (em) => productEntries(em, unique),
      (rows) => {
        for (const id of unique) this.keepEntry(rows.get(id) ?? absentEntry(id));
      },
    );
    for (const id of unique) out.set(id, loaded.get(id) ?? absentEntry(id));
    return out;
  }

  /** Each seed's strongest partners (see queries.ts `neighbours`), from here or loaded in one statement. */
  async neighboursOf(signal: Signal, seeds: readonly string[]): Promise<Map<string, Neighbours>> {
    const cache = this.lists[signal];
    const out = new Map<string, Neighbours>();
    const missing: string[] = [];
    for (const seed of seeds) {
      const list = cache.get(seed);
      if (list) out.set(seed, list);
      else missing.push(seed);
    }
    if (missing.length === 0) return out;
    const minSupport = signal === 'bought' ? this.opts.minCoPurchases : 1;
    const loaded = await this.load(
      (em) => neighbours(em, signal, [...new Set(missing)], this.opts.neighboursKept, minSupport),
      ({ lists, entries }) => {
        for (const entry of entries.values()) this.keepEntry(entry);
        // The held entries' id strings, not one copy per list: 10,000 lists hold 600,000 ids.
        for (const [seed, list] of lists)
          cache.set(seed, {
            ...list,
            ids: list.ids.map((id) => this.products.get(id)?.entry.facts.productId ?? id),
          });
      },
    );
    for (const [seed, list] of loaded.lists) out.set(seed, list);
    return out;
  }

  /** The most bought lately that are recommendable, in one category or over all (undefined). */
  async popularOf(category: string | undefined): Promise<PopularList> {
    const held = this.popular.get(category);
    if (held) return held;
    const kept = this.opts.popularKept;
    const loaded = await this.load(
      (em) => popularTop(em, category, kept),
      ({ ids, weights, entries }) => {
        this.popular.set(category, { ids, weights, truncated: ids.length >= kept });
        for (const entry of entries.values()) this.keepEntry(entry);
      },
    );
    return { ids: loaded.ids, weights: loaded.weights, truncated: loaded.ids.length >= kept };
  }

  /** Loads with a fork of the ORM; keeps the result only when no look brought changes meanwhile. */
  private async load<T>(read: (em: EntityManager) => Promise<T>, keep: (value: T) => void): Promise<T> {
    const generation = this.generation;
    const following = this.following;
    const value = await read(this.orm.em.fork());
    if (following && this.following && generation === this.generation) keep(value);
    return value;
  }

  /** A loaded entry: the one held stays (the feed keeps it current), a new one is added. */
  private keepEntry(entry: ProductEntry): void {
    if (!this.products.has(entry.facts.productId))
      this.products.set(entry.facts.productId, { entry, fed: false });
  }

  /** One look at the feed; looks never overlap. */
  private async look(): Promise<void> {
    while (this.looking) await this.looking;
    this.looking = this.readFeed().finally(() => {
      this.looking = undefined;
    });
    return this.looking;
  }

  private async readFeed(): Promise<void> {
    try {
      const { horizon, entries } = await changesSince(this.orm.em.fork(), this.horizon);
      let changed = false;
      for (const entry of entries) {
        const id = entry.facts.productId;
        const held = this.products.get(id);
        // Seen already: the horizon stays behind while some transaction of the cluster is open.
        if (held?.fed && held.entry.changed === entry.changed) continue;
        changed = true;
        this.products.set(id, { entry, fed: true });
        this.lists.bought.delete(id);
        this.lists.viewed.delete(id);
      }
      if (changed) {
        this.popular.clear();
        this.generation++;
      }
      this.horizon = horizon;
      if (!this.following) {
        this.following = true;
        this.generation++;
      }
      this.failures = 0;
    } catch (err) {
      // Changes may go unseen until the feed is back: hold nothing meanwhile (answers read the tables).
      if (this.failures++ === 0) this.opts.warn?.(err, 'recommendations read cache: change feed lost');
      this.following = false;
      this.generation++;
      this.products.clear();
      this.lists.bought.clear();
      this.lists.viewed.clear();
      this.popular.clear();
    }
  }
}
