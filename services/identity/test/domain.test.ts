import t from 'tap';
import { retryAfterSeconds, verdictAfterFailures } from '../src/domain/login-throttle.ts';
import { passwordWeaknesses } from '../src/domain/password-policy.ts';
import { trustedProxies } from '../src/domain/trusted-proxies.ts';

t.test('password policy says why a password is weak', async (t) => {
  const who = { email: 'Ann.Smith@example.com', username: 'ann_smith' };
  t.same(passwordWeaknesses('correct-Horse-1', who), [], 'long and mixed is fine');
  t.match(passwordWeaknesses('Sh0rt!', who), [/at least 10 characters/]);
  t.match(passwordWeaknesses('aaaaaaaaaaaaaa', who), [/two kinds of characters/]);
  t.match(passwordWeaknesses('12345678901234', who), [/two kinds of characters/]);
  t.match(passwordWeaknesses('ann.smith@example.com', who), [/e-mail/], 'the e-mail, any case');
  t.match(passwordWeaknesses('ANN_SMITH1', { username: 'ann_smith1' }), [/username/]);
  t.match(passwordWeaknesses('x'.repeat(300), who), [/at most 256/, /two kinds/]);
  t.equal(passwordWeaknesses('abc', who).length, 2, 'every reason at once');
});

t.test('failed logins: free, then slowed down with a growing delay, then locked', async (t) => {
  const policy = { slowdownAfter: 3, lockAfter: 6, slowdownBaseMs: 1000, lockMs: 900_000 };
  t.same(verdictAfterFailures(1, policy), { kind: 'none' });
  t.same(verdictAfterFailures(2, policy), { kind: 'none' });
  t.same(verdictAfterFailures(3, policy), { kind: 'slowdown', waitMs: 1000 });
  t.same(verdictAfterFailures(4, policy), { kind: 'slowdown', waitMs: 2000 });
  t.same(verdictAfterFailures(5, policy), { kind: 'slowdown', waitMs: 4000 });
  t.same(verdictAfterFailures(6, policy), { kind: 'lock', waitMs: 900_000 });
  t.same(verdictAfterFailures(60, policy), { kind: 'lock', waitMs: 900_000 });
  const long = { ...policy, lockAfter: 1000 };
  t.equal(
    (verdictAfterFailures(500, long) as { waitMs: number }).waitMs,
    900_000,
    'the delay never exceeds a lock',
  );
  t.equal(retryAfterSeconds(1), 1, 'never "retry after 0"');
  t.equal(retryAfterSeconds(1500), 2);
});

t.test('trusted proxies: addresses win over a hop count; none by default', async (t) => {
  t.equal(trustedProxies({ TRUST_PROXY: '', TRUSTED_PROXY_HOPS: 0 }), false);
  t.same(trustedProxies({ TRUST_PROXY: ' 127.0.0.1, 10.0.0.0/8 ,', TRUSTED_PROXY_HOPS: 2 }), [
    '127.0.0.1',
    '10.0.0.0/8',
  ]);
  const oneHop = trustedProxies({ TRUST_PROXY: '', TRUSTED_PROXY_HOPS: 1 }) as (
    a: string,
    i: number,
  ) => boolean;
  t.ok(oneHop('10.0.0.9', 0), 'the peer (the gateway) is trusted');
  t.notOk(oneHop('1.2.3.4', 1), 'the entry it names is the client');
});
