import { ConfigError } from '@mercato/kit';
import type { GatewayConfig } from '../config.ts';

/** Which upstream serves which public path prefixes (DESIGN.md, "Services"). */
export const ROUTING_TABLE = [
  { service: 'identity', urlVar: 'IDENTITY_URL', prefixes: ['/auth', '/users', '/addresses'] },
  { service: 'catalog', urlVar: 'CATALOG_URL', prefixes: ['/products'] },
  { service: 'inventory', urlVar: 'INVENTORY_URL', prefixes: ['/stores', '/stocks'] },
  { service: 'cart', urlVar: 'CART_URL', prefixes: ['/carts'] },
  { service: 'orders', urlVar: 'ORDERS_URL', prefixes: ['/orders'] },
  { service: 'payments', urlVar: 'PAYMENTS_URL', prefixes: ['/payments'] },
  { service: 'invoices', urlVar: 'INVOICES_URL', prefixes: ['/invoices'] },
  { service: 'notifications', urlVar: 'NOTIFICATIONS_URL', prefixes: ['/notifications'] },
  { service: 'shipping', urlVar: 'SHIPPING_URL', prefixes: ['/shippings'] },
  { service: 'recommendations', urlVar: 'RECOMMENDATIONS_URL', prefixes: ['/recommendations'] },
] as const satisfies readonly { service: string; urlVar: keyof GatewayConfig; prefixes: readonly string[] }[];

export interface Upstream {
  service: string;
  /** origin (and optional base path) without a trailing slash */
  url: string;
  prefixes: readonly string[];
}

/** The upstreams that are configured; a prefix whose upstream has no URL is simply not routed. */
export function configuredUpstreams(config: GatewayConfig): Upstream[] {
  const upstreams: Upstream[] = [];
  for (const entry of ROUTING_TABLE) {
    const url = config[entry.urlVar];
    if (url)
      upstreams.push({ service: entry.service, url: url.replace(/\/+$/, ''), prefixes: entry.prefixes });
  }
  return upstreams;
}

/**
 * The exact origins CORS may grant, from CORS_ORIGINS. An allow-list only: `*` and `null` are refused
 * (a wildcard or the opaque origin of a sandboxed page or a local file would hand the API's answers to
 * any page), and every entry must be a bare origin, so that a typo cannot widen the grant.
 */
export function corsAllowList(setting: string): string[] {
  const list = setting
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const origin of list) {
    if (origin === '*' || origin === 'null')
      throw new ConfigError(`config: CORS_ORIGINS must list exact origins, not '${origin}'`);
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {}
    if (parsed?.origin !== origin)
      throw new ConfigError(
        `config: CORS_ORIGINS entry '${origin}' is not an origin (scheme://host[:port], no path or slash)`,
      );
  }
  return list;
}

/**
 * Server-to-server callbacks that authenticate by a signature of their own (the carrier's tracking
 * webhooks) are not counted against a client address: a carrier calls from a few addresses, in
 * bursts, and a 429 would only hold tracking up; a forged request costs shipping one HMAC before it
 * is refused, with nothing read or written.
 */
export const SIGNED_CALLBACKS = [{ method: 'POST', path: '/shippings/webhooks/carrier' }] as const;

export function isSignedCallback(method: string, url: string): boolean {
  const path = url.split('?')[0];
  return SIGNED_CALLBACKS.some((c) => c.method === method && c.path === path);
}

/** The key a client is counted under: its user when it proved one, else its address. */
export function rateLimitKey(client: { sub?: string; ip: string }): string {
  return client.sub ? `user:${client.sub}` : `ip:${client.ip}`;
}
