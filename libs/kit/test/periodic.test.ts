import t from 'tap';
import { drainLoop, startPeriodic } from '../src/index.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('startPeriodic: never two passes at once, stop() waits for the one in progress', async (t) => {
  let running = 0;
  let most = 0;
  let passes = 0;
  let finished = 0;
  const errors: unknown[] = [];
  const job = startPeriodic(
    10,
    async () => {
      running++;
      most = Math.max(most, running);
      passes++;
      await sleep(35); // longer than the interval
      if (passes === 2) throw new Error('second pass fails');
      running--;
      finished++;
    },
    (err) => {
      running--;
      errors.push(err);
    },
  );
  await sleep(150);
  await job.stop();
  const after = passes;
  t.equal(most, 1, 'a pass is never overlapped by the next');
  t.ok(passes >= 2, `several passes ran (${passes})`);
  t.equal(running, 0, 'stop() returned after the pass in progress ended');
  t.equal(finished + errors.length, passes);
  t.match(errors, [{ message: 'second pass fails' }], 'a failing pass goes to onError and the timer goes on');
  await sleep(50);
  t.equal(passes, after, 'no pass after stop()');
});

t.test('startPeriodic: a long pass sees stopped() once stop() was called', async (t) => {
  let sawStop = false;
  let steps = 0;
  const job = startPeriodic(
    5,
    async (stopped) => {
      for (; steps < 1000 && !stopped(); steps++) await sleep(5);
      sawStop = stopped();
    },
    () => {},
  );
  await sleep(30);
  await job.stop();
  t.ok(sawStop, 'the pass saw the stop');
  t.ok(steps < 1000, `it ended early, after ${steps} of 1000 steps`);
});

t.test('startPeriodic: an onError that throws ends nothing; the next pass runs', async (t) => {
  let passes = 0;
  const rejections: unknown[] = [];
  const onRejection = (err: unknown) => rejections.push(err);
  process.on('unhandledRejection', onRejection);
  t.teardown(() => process.off('unhandledRejection', onRejection));
  const job = startPeriodic(
    10,
    async () => {
      passes++;
      throw new Error('the database is down');
    },
    () => {
      throw new Error('the logger failed too');
    },
  );
  t.teardown(() => job.stop());
  while (passes < 3) await sleep(10);
  await job.stop();
  t.same(rejections, [], 'no unhandled rejection (which would end a service)');
  t.ok(passes >= 3, 'the timer went on after failing passes');
});

t.test(
  'drainLoop: a wake drains until a batch finds nothing; a wake during a drain runs one more',
  async (t) => {
    let due = 3;
    let batches = 0;
    let release: (() => void) | undefined;
    const loop = drainLoop(
      async () => {
        batches++;
        if (release === undefined && due === 3) await new Promise<void>((r) => (release = r));
        const took = Math.min(due, 1);
        due -= took;
        return took;
      },
      (err) => t.fail(String(err)),
    );
    t.teardown(() => loop.stop());
    loop.wake();
    loop.wake(); // while the first drain waits: runs once more after it, not a second drain at once
    await sleep(20);
    t.equal(batches, 1, 'one batch at a time');
    due += 2; // recorded while the drain runs
    release!();
    for (let waited = 0; due > 0 && waited < 5_000; waited += 10) await sleep(10);
    await loop.stop();
    t.equal(due, 0, 'everything due was taken');
    t.ok(batches >= 6, `drained to an empty batch (${batches} batches)`);
  },
);

t.test('drainLoop: poll drains on a timer; a throwing batch is reported and the loop goes on', async (t) => {
  const errors: unknown[] = [];
  let calls = 0;
  const loop = drainLoop(
    async () => {
      calls++;
      if (calls === 1) throw new Error('database restarting');
      return 0;
    },
    (err) => errors.push(err),
  );
  loop.poll(10);
  for (let waited = 0; calls < 3 && waited < 5_000; waited += 10) await sleep(10);
  await loop.stop();
  const after = calls;
  t.equal(errors.length, 1, 'the failure was handed to onError');
  t.ok(calls >= 3, `the timer went on after it (${calls} calls)`);
  loop.wake();
  await sleep(30);
  t.equal(calls, after, 'stopped: no drain after stop()');
});

t.test('drainLoop: stop() waits for the drain in progress', async (t) => {
  let finished = false;
  const loop = drainLoop(
    async () => {
      await new Promise((r) => setTimeout(r, 50));
      finished = true;
      return 0;
    },
    (err) => t.fail(String(err)),
  );
  loop.wake();
  await loop.stop();
  t.ok(finished, 'the batch in progress finished before stop() resolved');
});
