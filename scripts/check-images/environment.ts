// What each service's container gets: the local PostgreSQL, RabbitMQ and Redis, but a fresh schema
// per service and one exchange of this run's own, so the check never touches test or `npm start`
// data; the other services' URLs as scripts/start.ts wires them, on ports free right now.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { freeTcpPort, TEST_AMQP_URL, TEST_DATABASE_URL, TEST_REDIS_URL, uniqueName } from '@mercato/testing';

/** Start order: identity first (the others fetch its JWKS), the gateway last (it routes to all). */
export const START_ORDER = [
  'identity',
  'fake-payment-provider',
  'fake-carrier',
  'mail-catcher',
  'catalog',
  'inventory',
  'cart',
  'orders',
  'payments',
  'invoices',
  'notifications',
  'shipping',
  'recommendations',
  'web',
  'gateway',
];

export interface Plan {
  exchange: string;
  schemas: string[];
  ports: Record<string, number>;
  envFor(service: string): Record<string, string>;
}

export async function plan(services: string[]): Promise<Plan> {
  const exchange = uniqueName('check_images');
  const ports: Record<string, number> = {};
  for (const s of services) ports[s] = await freeTcpPort();
  const smtpPort = await freeTcpPort();
  const url = (s: string, fallback = 'http://127.0.0.1:1') =>
    ports[s] ? `http://127.0.0.1:${ports[s]}` : fallback;
  const schemas: string[] = [];
  // The image runs with NODE_ENV=production: identity then wants a real signing key and admin password.
  const jwtKey = generateKeyPairSync('ed25519')
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const webhookSecret = randomBytes(16).toString('hex');

  const envFor = (service: string): Record<string, string> => {
    const schema = uniqueName(`check_${service.replace(/-/g, '_')}`).slice(0, 63);
    schemas.push(schema);
    const env: Record<string, string> = {
      SERVICE_NAME: service,
      // Host network: listen on loopback only, nothing of the check is reachable from outside.
      HOST: '127.0.0.1',
      PORT: String(ports[service]),
      LOG_LEVEL: 'info',
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: schema,
      AMQP_URL: TEST_AMQP_URL,
      AMQP_EXCHANGE: exchange,
      REDIS_URL: TEST_REDIS_URL,
      JWKS_URL: `${url('identity')}/auth/.well-known/jwks.json`,
    };
    const extra: Record<string, Record<string, string>> = {
      identity: {
        JWT_PRIVATE_KEY: jwtKey,
        MERCATO_ADMIN_EMAIL: 'admin@check-images.test',
        MERCATO_ADMIN_PASSWORD: randomBytes(12).toString('hex'),
        TRUST_PROXY: '127.0.0.1',
      },
      'fake-carrier': {
        WEBHOOK_URL: `${url('shipping')}/shippings/webhooks/carrier`,
        WEBHOOK_SECRET: webhookSecret,
      },
      'mail-catcher': { SMTP_PORT: String(smtpPort) },
      cart: { ORDERS_URL: url('orders'), CATALOG_URL: url('catalog') },
      orders: { IDENTITY_URL: url('identity'), SHIPPING_URL: url('shipping') },
      payments: { PAYMENT_PROVIDER_URL: url('fake-payment-provider') },
      notifications: {
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtpPort),
        INVOICES_URL: url('invoices'),
        ADMIN_ALERT_EMAILS: 'admin@check-images.test',
      },
      shipping: { CARRIER_URL: url('fake-carrier'), CARRIER_WEBHOOK_SECRET: webhookSecret },
      // The API through the gateway (which starts after it, on a port chosen already); sessions under this run's prefix.
      web: {
        API_URL: url('gateway'),
        SESSION_SECRET: randomBytes(32).toString('hex'),
        SESSION_REDIS_PREFIX: `${exchange}:sess:`,
      },
      gateway: {
        IDENTITY_URL: url('identity'),
        CATALOG_URL: url('catalog'),
        INVENTORY_URL: url('inventory'),
        CART_URL: url('cart'),
        ORDERS_URL: url('orders'),
        PAYMENTS_URL: url('payments'),
        INVOICES_URL: url('invoices'),
        NOTIFICATIONS_URL: url('notifications'),
        SHIPPING_URL: url('shipping'),
        RECOMMENDATIONS_URL: url('recommendations'),
        WEB_URL: url('web'),
        RATE_LIMIT_REDIS_PREFIX: `${exchange}:rl:`,
      },
    };
    return { ...env, ...(extra[service] ?? {}) };
  };
  return { exchange, schemas, ports, envFor };
}
