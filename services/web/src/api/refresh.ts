// One token refresh per refresh token across every web replica. Identity rotates the refresh token on
// each use and treats a second use as theft (it revokes the whole login), so when several requests of
// one browser find the access token expired at the same moment — on one replica or on several — exactly
// one of them may send POST /auth/refresh; the others must get the same new pair.
//
// How: the first to claim a short Redis lock named after the refresh token (its SHA-256) sends the
// refresh and leaves the answer under that key for REMEMBER_MS; the others — in this process through
// the promise in flight, on other replicas through Redis — wait for that answer instead of sending
// their own. A holder that dies takes its lock with it after LOCK_MS, and a waiter then claims it. An
// answer that does not end the exchange (no answer, 5xx, 429) is not remembered: the token may still be
// good, and the next request tries again.
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** An HTTP answer, as kept in Redis (and replayed to every request that shared it). */
export interface Answer {
  status: number;
  headers: [string, string][];
  body: string;
}

export interface SharedRefreshOptions {
  redis: Redis;
  /** Key prefix, e.g. `web:sess:refresh:` */
  prefix: string;
  /** How long one refresh may take (the API call's timeout): the lock lives a little longer. */
  timeoutMs: number;
}

// Kept a little while, so that a request that read its session before the new pair was saved gets the
// same pair instead of replaying the rotated token.
const REMEMBER_MS = 30_000;
const POLL_MS = 25;
const PENDING = 'pending:';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SharedRefresh {
  private readonly inFlight = new Map<string, Promise<Answer>>();
  private readonly lockMs: number;

  constructor(private readonly opts: SharedRefreshOptions) {
    this.lockMs = opts.timeoutMs + 2_000;
  }

  /** The answer to the refresh with this body: sent once across replicas, shared by every caller. */
  run(body: string, send: () => Promise<Answer>): Promise<Answer> {
    const key = `${this.opts.prefix}${createHash('sha256').update(body).digest('base64url')}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.once(key, send).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async once(key: string, send: () => Promise<Answer>): Promise<Answer> {
    const mine = `${PENDING}${randomBytes(9).toString('base64url')}`;
    const deadline = Date.now() + this.lockMs + this.opts.timeoutMs;
    for (;;) {
      const lock = await this.claim(key, mine);
      // Redis is gone (and the sessions with it): one refresh per process at least, as before.
      if (!lock) return send();
      if (lock.claimed) return this.sendAndRemember(key, mine, send);
      if (lock.seen && !lock.seen.startsWith(PENDING)) return JSON.parse(lock.seen) as Answer;
      // Another replica is refreshing (or its lock just expired: the next round claims it).
      if (Date.now() > deadline)
        return unavailableAnswer('the token refresh of another request took too long');
      await sleep(POLL_MS);
    }
  }

  /** Claims the lock, or says what holds the key: another's lock, or the answer it left. */
  private async claim(
    key: string,
    mine: string,
  ): Promise<{ claimed: boolean; seen: string | null } | undefined> {
    const { redis } = this.opts;
    try {
      if ((await redis.set(key, mine, 'PX', this.lockMs, 'NX')) === 'OK')
        return { claimed: true, seen: null };
      return { claimed: false, seen: await redis.get(key) };
    } catch {
      return undefined;
    }
  }

  private async sendAndRemember(key: string, mine: string, send: () => Promise<Answer>): Promise<Answer> {
    const { redis } = this.opts;
    let answer: Answer;
    try {
      answer = await send();
    } catch (err) {
      await releaseIfMine(redis, key, mine).catch(() => {});
      throw err;
    }
    const final = answer.status < 500 && answer.status !== 429;
    await (final
      ? redis.set(key, JSON.stringify(answer), 'PX', REMEMBER_MS)
      : releaseIfMine(redis, key, mine)
    ).catch(() => {});
    return answer;
  }
}

/** Deletes the lock only while it is still this request's (not one a waiter claimed after it expired). */
function releaseIfMine(redis: Redis, key: string, mine: string): Promise<unknown> {
  return redis.eval(
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
    1,
    key,
    mine,
  );
}

export function unavailableAnswer(detail: string): Answer {
  return {
    status: 503,
    headers: [['content-type', 'application/problem+json']],
    body: JSON.stringify({
      type: 'https://mercato.dev/problems/service-unavailable',
      title: 'Service Unavailable',
      status: 503,
      detail,
    }),
  };
}
