import t from 'tap';
import { startPeriodic } from '../src/index.ts';

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
