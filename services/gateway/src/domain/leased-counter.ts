// The rate limiter's counts, shared by every gateway replica through Redis, without a Redis round trip
// per request: a replica leases a batch of a key's requests from the shared counter (atomically, never
// past the limit) and admits from that batch locally until it is spent. Every admitted request was
// counted in Redis before it was admitted, so all replicas together never let a client past its limit.
// The price is the other way: requests a replica leased and did not use are lost to the other
// replicas until the window ends. A batch starts at one request and doubles with each lease in the
// same window, up to LEASE_SHARE of the limit, so a quiet client costs a round trip per request as
// before and a busy one a round trip per few dozen; a client spread over R replicas can be refused at
// most R × LEASE_SHARE of its limit early (none with one replica: the counts are then exact).

/** The largest batch a replica takes at once, as a share of the key's limit (at least one request). */
export const LEASE_SHARE = 0.05;

export interface Lease {
  /** Requests granted to this replica (0: the limit is spent). */
  granted: number;
  /** The shared count after the grant, every replica's leases included. */
  count: number;
  /** Milliseconds until the window (the shared counter) ends. */
  ttlMs: number;
}

/** Takes up to `want` of the key's requests from the shared counter, never past `max`. */
export type LeaseFn = (key: string, want: number, max: number, windowMs: number) => Promise<Lease>;

export interface Taken {
  /** The key's count as this replica knows it, this request included; above `max`: refused. */
  current: number;
  ttlMs: number;
}

interface KeyState {
  /** The shared count at the last lease (what this replica holds unused included). */
  count: number;
  /** Leased requests not yet admitted. */
  unused: number;
  /** The next lease's size. */
  nextLease: number;
  /** When the window ends (Date.now() time); the state is void after it. */
  endsAt: number;
  /** The lease in flight, which other requests for the key wait for instead of asking again. */
  leasing?: Promise<void>;
}

export class LeasedCounter {
  private readonly keys = new Map<string, KeyState>();
  private nextSweep = 0;

  constructor(
    private readonly lease: LeaseFn,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request for `key`; `current` above `max` means the request is over the limit. */
  async take(key: string, max: number, windowMs: number): Promise<Taken> {
    this.sweep();
    for (;;) {
      const now = this.now();
      let state = this.keys.get(key);
      if (state !== undefined && now >= state.endsAt && state.leasing === undefined) {
        this.keys.delete(key);
        state = undefined;
      }
      if (state !== undefined && state.leasing === undefined) {
        if (state.unused > 0) {
          state.unused--;
          return { current: state.count - state.unused, ttlMs: state.endsAt - now };
        }
        // The shared count reached the limit: it only grows until the window ends, so no other
        // replica can free requests; refused here without asking Redis again.
        if (state.count >= max) return { current: max + 1, ttlMs: state.endsAt - now };
      }
      if (state?.leasing !== undefined) {
        await state.leasing;
        continue;
      }
      await this.renew(key, state, max, windowMs);
    }
  }

  /** The number of keys held (tests). */
  get size(): number {
    return this.keys.size;
  }

  private async renew(key: string, previous: KeyState | undefined, max: number, windowMs: number) {
    const cap = Math.max(1, Math.floor(max * LEASE_SHARE));
    const want = Math.min(cap, previous?.nextLease ?? 1);
    const state: KeyState = previous ?? { count: 0, unused: 0, nextLease: 1, endsAt: 0 };
    this.keys.set(key, state);
    const asked = this.now();
    const leasing = this.lease(key, want, max, windowMs).then(
      (lease) => {
        // Nothing granted means the limit is spent, whatever count came with it.
        state.count = lease.granted > 0 ? lease.count : Math.max(lease.count, max);
        state.unused = lease.granted;
        state.endsAt = asked + lease.ttlMs;
        state.nextLease = Math.min(cap, want * 2);
      },
      (err) => {
        // Nothing was learnt: the next request asks again (the caller fails open or closed).
        if (previous === undefined) this.keys.delete(key);
        throw err;
      },
    );
    state.leasing = leasing;
    try {
      await leasing;
    } finally {
      state.leasing = undefined;
    }
  }

  /** Forgets the keys whose window ended, at most once a second (a client seen once is not kept). */
  private sweep(): void {
    const now = this.now();
    if (now < this.nextSweep) return;
    this.nextSweep = now + 1_000;
    for (const [key, state] of this.keys)
      if (now >= state.endsAt && state.leasing === undefined) this.keys.delete(key);
  }
}
