import { TEST_REDIS_URL } from '@mercato/testing';
import { Redis } from 'ioredis';
import t from 'tap';
import { LEASE_SHARE, LeasedCounter, type LeaseFn } from '../src/domain/leased-counter.ts';
import { redisLease } from '../src/plugins/leased-store.ts';

/** The shared counter in memory, as the Redis script keeps it: never granted past max. */
function memoryLease(clock: { now: number }) {
  const counters = new Map<string, { count: number; endsAt: number }>();
  const calls: number[] = [];
  const lease: LeaseFn = async (key, want, max, windowMs) => {
    calls.push(want);
    await Promise.resolve();
    let c = counters.get(key);
    if (c === undefined || clock.now >= c.endsAt) {
      c = { count: 0, endsAt: clock.now + windowMs };
      counters.set(key, c);
    }
    const granted = Math.max(0, Math.min(want, max - c.count));
    c.count += granted;
    return { granted, count: c.count, ttlMs: c.endsAt - clock.now };
  };
  return { lease, calls, counters };
}

t.test('one replica: every request counted exactly, the one over the limit refused', async (t) => {
  const clock = { now: 1_000 };
  const { lease } = memoryLease(clock);
  const counter = new LeasedCounter(lease, () => clock.now);
  const currents: number[] = [];
  for (let i = 0; i < 4; i++) currents.push((await counter.take('ip:a', 3, 60_000)).current);
  t.same(currents, [1, 2, 3, 4], 'the fourth is over a limit of 3');
  const other = await counter.take('ip:b', 3, 60_000);
  t.equal(other.current, 1, 'another key has its own count');
});

t.test('a busy key leases growing batches: far fewer round trips than requests', async (t) => {
  const clock = { now: 0 };
  const { lease, calls } = memoryLease(clock);
  const counter = new LeasedCounter(lease, () => clock.now);
  const max = 10_000;
  for (let i = 1; i <= 1_000; i++) t.equal((await counter.take('user:u', max, 60_000)).current, i);
  t.ok(calls.length < 30, `${calls.length} leases for 1,000 requests`);
  t.ok(Math.max(...calls) <= max * LEASE_SHARE, 'no batch above the share of the limit');
  t.same(calls.slice(0, 4), [1, 2, 4, 8], 'batches start at one and double');
});

t.test('requests that arrive together wait for one lease instead of each asking', async (t) => {
  const clock = { now: 0 };
  const { lease, calls } = memoryLease(clock);
  const counter = new LeasedCounter(lease, () => clock.now);
  const taken = await Promise.all(Array.from({ length: 20 }, () => counter.take('ip:c', 1_000, 60_000)));
  t.same(
    taken.map((x) => x.current).sort((a, b) => a - b),
    Array.from({ length: 20 }, (_, i) => i + 1),
    'each request counted once',
  );
  t.ok(calls.length <= 6, `${calls.length} leases for 20 concurrent requests`);
});

t.test('replicas sharing the counter never admit past the limit together', async (t) => {
  const clock = { now: 0 };
  const { lease } = memoryLease(clock);
  const replicas = [0, 1, 2].map(() => new LeasedCounter(lease, () => clock.now));
  const max = 200;
  let admitted = 0;
  for (let i = 0; i < 600; i++) {
    const replica = replicas[(i * 7 + (i >> 3)) % replicas.length]!;
    if ((await replica.take('user:shared', max, 60_000)).current <= max) admitted++;
  }
  t.ok(admitted <= max, `${admitted} admitted, limit ${max}`);
  const tolerance = replicas.length * Math.floor(max * LEASE_SHARE);
  t.ok(admitted >= max - tolerance, `at most ${tolerance} refused early (${max - admitted})`);
});

t.test('the window ends: the count starts again; a spent key is refused without asking', async (t) => {
  const clock = { now: 0 };
  const { lease, calls } = memoryLease(clock);
  const counter = new LeasedCounter(lease, () => clock.now);
  await counter.take('ip:d', 2, 1_000);
  await counter.take('ip:d', 2, 1_000);
  const asked = calls.length;
  const refused = await counter.take('ip:d', 2, 1_000);
  t.equal(refused.current, 3);
  t.ok(refused.ttlMs > 0 && refused.ttlMs <= 1_000, 'told when the window ends');
  t.equal(calls.length, asked, 'the last lease reached the limit: refused without asking again');
  await counter.take('ip:d', 2, 1_000);
  t.equal(calls.length, asked, 'and so until the window ends');
  clock.now = 1_000;
  t.equal((await counter.take('ip:d', 2, 1_000)).current, 1, 'a new window');
  clock.now = 5_000;
  await counter.take('ip:other', 2, 1_000);
  t.equal(counter.size, 1, 'keys of ended windows are forgotten');
});

t.test('a failed lease fails the requests waiting for it; the next request asks again', async (t) => {
  let fail = true;
  const clock = { now: 0 };
  const memory = memoryLease(clock);
  const lease: LeaseFn = async (...args) => {
    if (fail) throw new Error('Redis is down');
    return memory.lease(...args);
  };
  const counter = new LeasedCounter(lease, () => clock.now);
  const results = await Promise.allSettled([counter.take('ip:e', 5, 1_000), counter.take('ip:e', 5, 1_000)]);
  t.same(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  fail = false;
  t.equal((await counter.take('ip:e', 5, 1_000)).current, 1);
});

t.test(
  'Redis: two replicas over the lease script stay within the limit, keys under the prefix',
  async (t) => {
    const redis = new Redis(TEST_REDIS_URL);
    const other = new Redis(TEST_REDIS_URL);
    const prefix = `leased-${Date.now()}-${Math.random().toString(36).slice(2)}:`;
    t.teardown(async () => {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await Promise.all([redis.quit(), other.quit()]);
    });
    const replicas = [
      new LeasedCounter(redisLease(redis, prefix)),
      new LeasedCounter(redisLease(other, prefix)),
    ];
    const max = 60;
    let admitted = 0;
    for (let i = 0; i < 150; i++) {
      const taken = await replicas[(i >> 2) % 2]!.take('user:r', max, 60_000);
      if (taken.current <= max) admitted++;
    }
    t.ok(admitted <= max, `${admitted} admitted, limit ${max}`);
    t.ok(admitted >= max - 2 * Math.floor(max * LEASE_SHARE), `${admitted} admitted: few refused early`);
    t.equal(Number(await redis.get(`${prefix}user:r`)), max, 'the shared counter holds the limit');
    const ttl = await redis.pttl(`${prefix}user:r`);
    t.ok(ttl > 0 && ttl <= 60_000, 'the window expires');
  },
);
