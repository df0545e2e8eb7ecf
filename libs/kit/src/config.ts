import { type Static, type TObject, type TSchema, Type } from 'typebox';
import { Value } from 'typebox/value';
import { convertStrings } from './validation.ts';

/** Variables every service reads; a service extends this with its own (Type.Object({...base.properties, X})). */
export const baseConfigSchema = Type.Object({
  SERVICE_NAME: Type.Optional(Type.String({ minLength: 1 })),
  HOST: Type.String({ default: '0.0.0.0' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535 }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  DATABASE_URL: Type.String({ minLength: 1 }),
  /**
   * Who runs the schema's migrations: 'startup' (each start, under an advisory lock), 'only' (migrate,
   * grant DATABASE_RUNTIME_ROLE, exit 0: the migrate init container) or 'off' (no DDL; the start
   * fails if migrations are pending). See @mercato/db.
   */
  DATABASE_MIGRATIONS: Type.Optional(Type.Enum(['startup', 'only', 'off'], { default: 'startup' })),
  /** The data-only role that 'only' (and 'startup') grants row rights on the schema to. */
  DATABASE_RUNTIME_ROLE: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$' })),
  AMQP_URL: Type.String({ minLength: 1 }),
  AMQP_EXCHANGE: Type.String({ minLength: 1, default: 'mercato' }),
  REDIS_URL: Type.String({ minLength: 1 }),
  JWKS_URL: Type.String({ minLength: 1 }),
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({ minLength: 1 })),
});
export type BaseConfig = Static<typeof baseConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads the schema's variables from the environment, converts strings to the declared types and
 * applies defaults. Throws a ConfigError whose message is one line naming the first bad variable,
 * so a misconfigured pod says exactly what to fix in its first log line.
 */
export function loadConfig<T extends TSchema>(schema: T, env: NodeJS.ProcessEnv = process.env): Static<T> {
  // Only the declared keys: the process env holds hundreds of unrelated variables.
  const keys = Object.keys((schema as unknown as TObject).properties ?? {});
  const raw: Record<string, string> = {};
  for (const key of keys) {
    const value = env[key];
    // An empty variable (`PORT=`) is treated as unset, which is what people mean by it.
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const value = Value.Default(schema, convertStrings(schema, raw));
  const [first] = Value.Errors(schema, value);
  if (first) throw new ConfigError(describe(first));
  return value as Static<T>;
}

/** loadConfig for a server entry point: prints the one line and exits 1 instead of a stack trace. */
export function configFromEnvOrExit<T extends TSchema>(
  schema: T,
  env: NodeJS.ProcessEnv = process.env,
): Static<T> {
  try {
    return loadConfig(schema, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}

interface SchemaError {
  instancePath: string;
  keyword: string;
  message: string;
  params: Record<string, unknown>;
}

function describe(error: SchemaError): string {
  if (error.keyword === 'required') {
    const missing = (error.params.requiredProperties as string[] | undefined) ?? [];
    return `config: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} required`;
  }
  const name = error.instancePath.replace(/^\//, '').split('/')[0] || 'environment';
  return `config: ${name} ${error.message}`;
}
