// Starts the real service on an isolated schema and a unique exchange, with real PostgreSQL, RabbitMQ
// and Redis; everything it creates is removed in teardown.
import { loadConfig } from '@mercato/kit';
import {
  isolatedSchema,
  TEST_AMQP_URL,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniqueName,
} from '@mercato/testing';
import amqp from 'amqplib';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp, type Deps } from '../src/app.ts';
import { configSchema } from '../src/config.ts';

interface Tap {
  teardown(fn: () => unknown): void;
}

export const ADMIN_PASSWORD = 'Admin-Password-123';
export const GOOD_PASSWORD = 'correct-Horse-battery-1';

export async function startIdentity(t: Tap, env: Record<string, string> = {}, deps: Deps = {}) {
  const schema = await isolatedSchema(t, 't_idn');
  const exchange = uniqueName('t_idn_ex');
  const adminEmail = `${uniqueName('admin')}@example.com`;
  const config = loadConfig(configSchema, {
    PORT: '0',
    LOG_LEVEL: 'silent',
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    AMQP_URL: TEST_AMQP_URL,
    AMQP_EXCHANGE: exchange,
    REDIS_URL: TEST_REDIS_URL,
    MERCATO_ADMIN_EMAIL: adminEmail,
    MERCATO_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ...env,
  });
  const app = await buildApp(config, deps);
  t.teardown(async () => {
    await app.close();
    const conn = await amqp.connect(TEST_AMQP_URL);
    const ch = await conn.createChannel();
    await ch.deleteExchange(exchange);
    await conn.close();
  });
  // A client address of its own, so the per-IP login counters of parallel tests never meet.
  const ip = `10.${rnd()}.${rnd()}.${rnd()}`;

  const inject = (opts: {
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    url: string;
    token?: string;
    body?: unknown;
    headers?: Record<string, string>;
    remoteAddress?: string;
  }): Promise<LightMyRequestResponse> =>
    app.inject({
      method: opts.method,
      url: opts.url,
      remoteAddress: opts.remoteAddress ?? ip,
      headers: {
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...opts.headers,
      },
      ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
    });

  const sql = async <T = Record<string, unknown>>(query: string, params: unknown[] = []) =>
    (await app.orm.em.fork().getConnection().execute(query, params)) as T[];
  /** Registers through POST /auth/register: the account (its view) with the login the answer carries. */
  const register = async (overrides: Record<string, unknown> = {}) => {
    const name = uniqueName('u');
    const body = {
      email: `${name}@example.com`,
      username: name.slice(0, 32),
      password: GOOD_PASSWORD,
      ...overrides,
    };
    const res = await inject({ method: 'POST', url: '/auth/register', body });
    if (res.statusCode !== 201) throw new Error(`register: ${res.statusCode} ${res.body}`);
    const { user, accessToken, refreshToken } = res.json() as {
      user: {
        id: string;
        email: string;
        username: string;
        role: string;
        active: boolean;
        name: string | null;
        emailVerified: boolean;
      };
      accessToken: string;
      refreshToken: string;
    };
    return { ...user, password: body.password as string, accessToken, refreshToken };
  };
  /** The newest verification token of the user, from the outbox (what notifications would e-mail). */
  const verificationToken = async (userId: string) => {
    const events = (await outboxEvents('user.verification_requested')).filter(
      (e) => e.data.userId === userId,
    );
    if (events.length === 0) throw new Error(`no verification requested for ${userId}`);
    return events.at(-1)!.data as { token: string; email: string; expiresAt: string };
  };
  const login = async (email: string, password: string) => {
    const res = await inject({ method: 'POST', url: '/auth/login', body: { email, password } });
    if (res.statusCode !== 200) throw new Error(`login: ${res.statusCode} ${res.body}`);
    return res.json() as { accessToken: string; refreshToken: string; expiresIn: number };
  };
  /** A registered customer with a fresh login. */
  const customer = async () => {
    const user = await register();
    return { ...user, ...(await login(user.email, user.password)) };
  };
  const admin = async () => login(adminEmail, ADMIN_PASSWORD);

  /** Row counts of every table, to show a rejected request changed nothing. */
  const counts = async () => {
    const tables = ['app_user', 'refresh_token', 'password_reset', 'email_verification', 'address', 'outbox'];
    const out: Record<string, number> = {};
    for (const table of tables)
      out[table] = (await sql<{ n: number }>(`select count(*)::int as n from ${table}`))[0]!.n;
    return out;
  };
  const outboxEvents = async (type: string) =>
    (
      await sql<{ payload: { data: Record<string, unknown> } }>(
        'select payload from outbox where type = ? order by id',
        [type],
      )
    ).map((r) => r.payload);

  return {
    app,
    config,
    schema,
    exchange,
    adminEmail,
    ip,
    inject,
    register,
    login,
    customer,
    admin,
    sql,
    counts,
    outboxEvents,
    verificationToken,
  };
}

function rnd(): number {
  return Math.floor(Math.random() * 254) + 1;
}

/** The response is an RFC 9457 problem with this status. */
export function isProblem(res: LightMyRequestResponse, status: number): boolean {
  return (
    res.statusCode === status &&
    String(res.headers['content-type']).startsWith('application/problem+json') &&
    (res.json() as { status?: number }).status === status
  );
}
