// Failed-login counters in Redis with a TTL, kept per (account, client address) and per client address.
// Never per account alone: a counter anyone can raise for an account is a way to lock its owner out, so
// a stranger hammering an account only slows down and locks themselves (their pair, and past the
// higher per-client cap, every account from their address); the owner, from their own address, logs
// in as usual. Redis is an accelerator: when it is unreachable, logins are not throttled (a warning is
// logged) rather than refused.
import { problems } from '@mercato/kit';
import type { Logger } from '@mercato/messaging';
import type { Redis } from 'ioredis';
import { retryAfterSeconds, type ThrottlePolicy, verdictAfterFailures } from '../domain/login-throttle.ts';

// Counters belong to the accounts they count against: one Redis may serve several identity
// deployments (each on its own schema, as every test system is), and one's strangers must not
// throttle the other's clients.
const prefixFor = (schema: string) => `identity:login:${schema}:`;

export interface ThrottleSubject {
  /** the lower-cased e-mail attempted (whether or not such a user exists: no enumeration) */
  account: string;
  /** the client's address (behind the gateway: the one it passed in X-Forwarded-For) */
  ip: string;
}

export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly policies: { account: ThrottlePolicy; ip: ThrottlePolicy },
    private readonly windowSeconds: number,
    private readonly log: Logger,
    schema: string,
  ) {
    this.prefix = prefixFor(schema);
  }

  private readonly prefix: string;

  private keys(s: ThrottleSubject) {
    // An e-mail holds no space (the schema's format), so the pair's key cannot be forged by another pair.
    const pair = `${s.ip} ${s.account}`;
    return [
      {
        kind: 'account' as const,
        fails: `${this.prefix}fails:pair:${pair}`,
        block: `${this.prefix}block:pair:${pair}`,
      },
      {
        kind: 'ip' as const,
        fails: `${this.prefix}fails:ip:${s.ip}`,
        block: `${this.prefix}block:ip:${s.ip}`,
      },
    ];
  }

  /** Throws 429 (with Retry-After) while this client has to wait, for this account or for any. */
  async assertAllowed(s: ThrottleSubject): Promise<void> {
    let waits: { ms: number; why: string | null }[];
    try {
      const pipeline = this.redis.pipeline();
      for (const k of this.keys(s)) pipeline.pttl(k.block).get(k.block);
      const results = (await pipeline.exec()) ?? [];
      waits = [];
      for (let i = 0; i < results.length; i += 2) {
        const [err, ms] = results[i]!;
        if (err) throw err;
        waits.push({ ms: Number(ms), why: results[i + 1]![1] as string | null });
      }
    } catch (err) {
      this.log.warn({ err }, 'login throttle unavailable (Redis); not throttling');
      return;
    }
    const longest = waits.filter((w) => w.ms > 0).sort((a, b) => b.ms - a.ms)[0];
    if (longest) {
      const seconds = retryAfterSeconds(longest.ms);
      throw problems.tooManyRequests(
        longest.why === 'lock'
          ? `Too many failed logins: locked, try again in ${seconds} s`
          : `Too many failed logins: wait ${seconds} s before the next attempt`,
        seconds,
      );
    }
  }

  async recordFailure(s: ThrottleSubject): Promise<void> {
    try {
      for (const k of this.keys(s)) {
        const [[incrErr, failures]] = (await this.redis
          .multi()
          .incr(k.fails)
          .expire(k.fails, this.windowSeconds, 'NX')
          .exec()) as [[Error | null, number]];
        if (incrErr) throw incrErr;
        const verdict = verdictAfterFailures(failures, this.policies[k.kind]);
        if (verdict.kind !== 'none') await this.redis.set(k.block, verdict.kind, 'PX', verdict.waitMs);
      }
    } catch (err) {
      this.log.warn({ err }, 'login throttle unavailable (Redis); failure not counted');
    }
  }

  /**
   * A successful login clears the account's counter for this client (not the client's cap across
   * accounts: one good password proves little about the others it tried).
   */
  async recordSuccess(s: ThrottleSubject): Promise<void> {
    const [account] = this.keys(s);
    await this.redis.del(account!.fails, account!.block).catch((err: unknown) => {
      this.log.warn({ err }, 'login throttle: cannot reset the counter');
    });
  }
}
