import t from 'tap';
import { Type } from 'typebox';
import { baseConfigSchema, ConfigError, loadConfig } from '../src/index.ts';

const valid = {
  PORT: '3001',
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/mercato',
  AMQP_URL: 'amqp://127.0.0.1',
  REDIS_URL: 'redis://127.0.0.1:6379',
  JWKS_URL: 'http://127.0.0.1:3001/auth/.well-known/jwks.json',
};

t.test('converts types and applies defaults', async (t) => {
  const config = loadConfig(baseConfigSchema, valid);
  t.equal(config.PORT, 3001);
  t.equal(config.HOST, '0.0.0.0');
  t.equal(config.LOG_LEVEL, 'info');
  t.equal(config.AMQP_EXCHANGE, 'mercato');
  t.equal(config.OTEL_EXPORTER_OTLP_ENDPOINT, undefined);
});

t.test('a missing variable is named in one line', async (t) => {
  const { DATABASE_URL: _, ...env } = valid;
  t.throws(() => loadConfig(baseConfigSchema, env), new ConfigError('config: DATABASE_URL is required'));
});

t.test('an empty variable counts as missing', async (t) => {
  t.throws(() => loadConfig(baseConfigSchema, { ...valid, REDIS_URL: '' }), {
    message: 'config: REDIS_URL is required',
  });
});

t.test('a malformed variable is named with what is wrong', async (t) => {
  const err = t.throws(() => loadConfig(baseConfigSchema, { ...valid, PORT: 'abc' })) as Error;
  t.type(err, ConfigError);
  t.equal(err.message, 'config: PORT must be integer');
  t.notMatch(err.message, /\n/, 'one line');
  t.throws(() => loadConfig(baseConfigSchema, { ...valid, LOG_LEVEL: 'loud' }), {
    message: /^config: LOG_LEVEL /,
  });
  t.throws(() => loadConfig(baseConfigSchema, { ...valid, PORT: '70000' }), { message: /^config: PORT / });
  // not truncated to 3000: a decimal where an integer belongs is a mistake to name
  t.throws(() => loadConfig(baseConfigSchema, { ...valid, PORT: '3000.5' }), {
    message: 'config: PORT must be integer',
  });
});

t.test('a service extends the base schema', async (t) => {
  const schema = Type.Object({ ...baseConfigSchema.properties, SMTP_PORT: Type.Integer({ default: 1025 }) });
  t.equal(loadConfig(schema, valid).SMTP_PORT, 1025);
  t.equal(loadConfig(schema, { ...valid, SMTP_PORT: '2525' }).SMTP_PORT, 2525);
  t.throws(() => loadConfig(schema, { ...valid, SMTP_PORT: 'x' }), {
    message: 'config: SMTP_PORT must be integer',
  });
});

t.test('configFromEnvOrExit prints the line and exits 1', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const script = `import { baseConfigSchema, configFromEnvOrExit } from '${new URL('../src/index.ts', import.meta.url).href}';
configFromEnvOrExit(baseConfigSchema, ${JSON.stringify({ ...valid, PORT: 'nope' })});`;
  const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  t.equal(out.status, 1);
  t.equal(out.stderr.trim(), 'config: PORT must be integer');
});
