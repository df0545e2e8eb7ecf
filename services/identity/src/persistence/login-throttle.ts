// Failed-login counters per account and per client IP, in Redis with a TTL. Redis is an accelerator:
// when it is unreachable, logins are not throttled (a warning is logged) rather than refused.
import { problems } from '@mercato/kit';
import type { Logger } from '@mercato/messaging';
import type { Redis } from 'ioredis';
import { retryAfterSeconds, type ThrottlePolicy, verdictAfterFailures } from '../domain/login-throttle.ts';

const PREFIX = 'identity:login:';

export interface ThrottleSubject {
  /** the lower-cased e-mail attempted (whether or not such a user exists: no enumeration) */
  account: string;
  ip: string;
}

export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly policies: { account: ThrottlePolicy; ip: ThrottlePolicy },
    private readonly windowSeconds: number,
    private readonly log: Logger,
  ) {}

  private keys(s: ThrottleSubject) {
    return [
      {
        kind: 'account' as const,
        fails: `${PREFIX}fails:acct:${s.account}`,
        block: `${PREFIX}block:acct:${s.account}`,
      },
      { kind: 'ip' as const, fails: `${PREFIX}fails:ip:${s.ip}`, block: `${PREFIX}block:ip:${s.ip}` },
    ];
  }

  /** Throws 429 (with Retry-After) while the account or the IP has to wait. */
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

  /** A successful login clears the account's counter (not the IP's: one good password proves little). */
  async recordSuccess(s: ThrottleSubject): Promise<void> {
    const [account] = this.keys(s);
    await this.redis.del(account!.fails, account!.block).catch((err: unknown) => {
      this.log.warn({ err }, 'login throttle: cannot reset the counter');
    });
  }
}
