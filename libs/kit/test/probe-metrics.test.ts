// Probes are not traffic: after probing, /metrics has no series for them, while a normal route is
// still observed; their request lines are written at debug, a normal route's at info.
import t from 'tap';
import { createService } from '../src/index.ts';

/** The request histogram's _count samples, by route label. */
function countsByRoute(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^http_request_duration_seconds_count\{(.*)\} (\d+)$/.exec(line);
    if (!m) continue;
    const route = /route="([^"]*)"/.exec(m[1]!)![1]!;
    counts[route] = (counts[route] ?? 0) + Number(m[2]);
  }
  return counts;
}

t.test('probes are not observed in http_request_duration_seconds; a normal route is', async (t) => {
  const app = await createService({ name: 'probe-metrics-test', logLevel: 'silent' });
  app.get('/things', async () => ({ ok: true }));
  app.get('/livez', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  t.teardown(() => app.close());

  for (const url of ['/healthz', '/livez', '/readyz', '/metrics', '/healthz', '/things', '/things']) {
    const res = await app.inject({ url });
    t.equal(res.statusCode, 200, url);
  }
  const scrape = await app.inject({ url: '/metrics' });
  const counts = countsByRoute(scrape.body);
  t.same(counts, { '/things': 2 }, 'only the normal route has series, with its two requests');
});

t.test('a failing /readyz (503) is not a 5xx of the request histogram', async (t) => {
  const app = await createService({
    name: 'probe-metrics-test',
    logLevel: 'silent',
    readiness: {
      broken: async () => {
        throw new Error('down');
      },
    },
  });
  t.teardown(() => app.close());
  t.equal((await app.inject({ url: '/readyz' })).statusCode, 503);
  const scrape = await app.inject({ url: '/metrics' });
  t.notMatch(scrape.body, /status_code="503"/);
  t.same(countsByRoute(scrape.body), {});
});

t.test('one access line per request: at info for a normal route, at debug for probes', async (t) => {
  const lines: { level: string; msg: string; req?: { url: string }; reqId?: string }[] = [];
  const app = await createService({
    name: 'probe-log-test',
    logLevel: 'debug',
    logStream: { write: (line) => lines.push(JSON.parse(line)) },
  });
  app.get('/things', async () => ({ ok: true }));
  t.teardown(() => app.close());

  const probe = await app.inject({ url: '/readyz', headers: { 'x-request-id': 'probe-1' } });
  const scrape = await app.inject({ url: '/metrics', headers: { 'x-request-id': 'scrape-1' } });
  const normal = await app.inject({ url: '/things', headers: { 'x-request-id': 'normal-1' } });
  t.equal(probe.statusCode, 200);
  t.equal(scrape.statusCode, 200);
  t.equal(normal.statusCode, 200);

  const levelsOf = (id: string) =>
    lines
      .filter((l) => l.reqId === id && (l.msg === 'incoming request' || l.msg === 'request completed'))
      .map((l) => `${l.msg}:${l.level}`);
  t.same(levelsOf('probe-1'), ['incoming request:debug', 'request completed:debug']);
  t.same(levelsOf('scrape-1'), ['incoming request:debug', 'request completed:debug']);
  t.same(levelsOf('normal-1'), ['incoming request:debug', 'request completed:info']);
  const completed = lines.find((l) => l.reqId === 'normal-1' && l.msg === 'request completed') as
    | { req?: { method: string; url: string }; res?: { statusCode: number }; responseTime?: number }
    | undefined;
  t.match(completed, { req: { method: 'GET', url: '/things' }, res: { statusCode: 200 } });
  t.type(completed?.responseTime, 'number', 'the line says how long the request took');
});

t.test('at the default level (info) a probe writes no request line at all', async (t) => {
  const lines: { msg: string; reqId?: string }[] = [];
  const app = await createService({
    name: 'probe-log-test',
    logStream: { write: (line) => lines.push(JSON.parse(line)) },
  });
  t.teardown(() => app.close());
  await app.inject({ url: '/healthz', headers: { 'x-request-id': 'probe-2' } });
  await app.inject({ url: '/nowhere', headers: { 'x-request-id': 'miss-2' } });
  t.same(
    lines.filter((l) => l.reqId === 'probe-2'),
    [],
  );
  t.ok(
    lines.some((l) => l.reqId === 'miss-2' && l.msg === 'request completed'),
    'an unknown path is still logged at info',
  );
  t.notOk(
    lines.some((l) => l.msg === 'incoming request'),
    'no incoming-request line at info: one line per request',
  );
});
