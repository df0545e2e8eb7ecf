// The database (or another backing server) being unreachable is a 503 with Retry-After, logged as a
// warning: what a PostgreSQL restart or failover produces is transient, and the client should retry.
// Anything else keeps its own answer (a bug is still a 500).
import t from 'tap';
import { createService, isConnectionError } from '../src/index.ts';

/** An error shaped like pg's / MikroORM's (DriverException copies the driver's fields). */
function dbError(message: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), fields);
}

t.test('isConnectionError: connection-class failures, and nothing else', async (t) => {
  const yes = [
    dbError('terminating connection due to administrator command', { code: '57P01' }),
    dbError('the database system is shutting down', { code: '57P03' }),
    dbError('the database system is starting up', { code: '57P03' }),
    dbError('server closed the connection', { code: '08006' }),
    dbError('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' }),
    dbError('read ECONNRESET', { code: 'ECONNRESET' }),
    new Error('Connection terminated unexpectedly'),
    new Error('Client has encountered a connection error and is not queryable'),
    new Error('wrapped', { cause: dbError('x', { code: '57P01' }) }),
    new AggregateError([dbError('connect ECONNREFUSED ::1:5432', { code: 'ECONNREFUSED' })]),
  ];
  for (const err of yes) t.ok(isConnectionError(err), `${(err as Error).message}`);
  const no = [
    dbError('duplicate key value violates unique constraint', { code: '23505' }),
    dbError('could not serialize access', { code: '40001' }),
    dbError('invalid input syntax for type uuid', { code: '22P02' }),
    new Error('boom'),
    undefined,
    'ECONNREFUSED',
  ];
  for (const err of no) t.notOk(isConnectionError(err), String((err as Error)?.message ?? err));
});

t.test('a request that meets an unreachable database: 503 problem+json with Retry-After', async (t) => {
  const app = await createService({ name: 'unavailable-test', logLevel: 'silent' });
  app.get('/down', async () => {
    throw dbError('terminating connection due to administrator command', { code: '57P01' });
  });
  app.get('/refused', async () => {
    throw dbError('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' });
  });
  app.get('/bug', async () => {
    throw new Error('a bug');
  });
  await app.ready();
  t.teardown(() => app.close());

  for (const url of ['/down', '/refused']) {
    const res = await app.inject({ method: 'GET', url });
    t.equal(res.statusCode, 503, url);
    t.match(res.headers['content-type'], /application\/problem\+json/);
    t.ok(Number(res.headers['retry-after']) > 0, 'Retry-After');
    t.match(res.json(), {
      type: 'https://mercato.dev/problems/service-unavailable',
      status: 503,
      retryAfter: Number(res.headers['retry-after']),
    });
    t.notMatch(res.body, /ECONNREFUSED|administrator|5432/, 'nothing internal in the body');
  }
  t.equal((await app.inject({ method: 'GET', url: '/bug' })).statusCode, 500, 'a bug is still a 500');
});
