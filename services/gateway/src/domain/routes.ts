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

/** '*' → any origin; '' → none; otherwise the listed origins exactly. */
export function corsOrigins(setting: string): true | false | string[] {
  const list = setting
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.includes('*')) return true;
  return list.length === 0 ? false : list;
}

/** The key a client is counted under: its user when it proved one, else its address. */
export function rateLimitKey(client: { sub?: string; ip: string }): string {
  return client.sub ? `user:${client.sub}` : `ip:${client.ip}`;
}
