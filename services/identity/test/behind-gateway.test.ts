// Login throttling through a real gateway: identity trusts X-Forwarded-For from the gateway's address
// only, and the gateway sets that header itself — from an ingress's X-Forwarded-For when told to trust
// one (TRUST_PROXY=true), else from the socket, whatever the client claims.
import { loadConfig } from '@mercato/kit';
import { TEST_REDIS_URL, uniqueName } from '@mercato/testing';
import t from 'tap';
import { buildApp as buildGateway } from '../../gateway/src/app.ts';
import { gatewayConfigSchema } from '../../gateway/src/config.ts';
import { startIdentity } from './helpers.ts';

t.test('through the gateway, each client has its own login throttle', async (t) => {
  const s = await startIdentity(t, {
    TRUST_PROXY: '127.0.0.1',
    LOGIN_SLOWDOWN_AFTER: '2',
    LOGIN_LOCK_AFTER: '3',
    LOGIN_LOCK_SECONDS: '600',
    // Every run's gateway-less client is 127.0.0.1: a per-client cap that never trips here keeps
    // runs within one window from meeting. The pairs (client, fresh account) are what is tested.
    LOGIN_IP_FACTOR: '100000',
  });
  const identityUrl = await s.app.listen({ host: '127.0.0.1', port: 0 });
  const gateway = async (trustIngress: boolean) => {
    const app = await buildGateway(
      loadConfig(gatewayConfigSchema, {
        PORT: '0',
        LOG_LEVEL: 'silent',
        REDIS_URL: TEST_REDIS_URL,
        JWKS_URL: `${identityUrl}/auth/.well-known/jwks.json`,
        IDENTITY_URL: identityUrl,
        RATE_LIMIT_REDIS_PREFIX: `${uniqueName('gwidn')}:`,
        TRUST_PROXY: String(trustIngress),
      }),
      { jwks: s.app.signingKey.jwks },
    );
    t.teardown(() => app.close());
    return app.listen({ host: '127.0.0.1', port: 0 });
  };
  const login = (base: string, body: { email: string; password: string }, forwardedFor: string) =>
    fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: JSON.stringify(body),
    });
  const octet = () => 1 + Math.floor(Math.random() * 250);

  t.test('behind an ingress, two clients are independent', async (t) => {
    const base = await gateway(true);
    const user = await s.register();
    const stranger = `203.0.113.${octet()}`;
    const owner = `198.51.100.${octet()}`;
    for (let i = 0; i < 3; i++) {
      const res = await login(base, { email: user.email, password: 'Wrong-password-1' }, stranger);
      t.equal(res.status, i < 2 ? 401 : 429, `stranger attempt ${i + 1}`);
    }
    const blocked = await login(base, { email: user.email, password: user.password }, stranger);
    t.equal(blocked.status, 429, 'the stranger is throttled');
    t.match(blocked.headers.get('content-type'), /^application\/problem\+json/);
    t.ok(Number(blocked.headers.get('retry-after')) >= 1, 'with Retry-After');
    const ok = await login(base, { email: user.email, password: user.password }, owner);
    t.equal(ok.status, 200, 'the owner, another client behind the same gateway, logs in');
  });

  t.test('without a trusted ingress, a client cannot pose as many', async (t) => {
    const base = await gateway(false);
    // Every request here comes from 127.0.0.1: the claimed addresses are ignored, so this is one
    // client guessing one account.
    const user = await s.register();
    const answers: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await login(
        base,
        { email: user.email, password: 'Wrong-password-1' },
        `203.0.113.${octet()}`,
      );
      answers.push(res.status);
    }
    t.same(answers, [401, 401, 429], 'a fresh X-Forwarded-For per attempt does not reset the count');
  });
});
