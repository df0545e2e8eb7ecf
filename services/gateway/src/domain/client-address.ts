// Who the client is, as the gateway tells the services behind it. Without a trusted ingress in front
// the client is the socket's peer, and whatever X-Forwarded-For the client sent is a claim, ignored.
// Behind one (TRUST_PROXY=true) the ingress has set X-Forwarded-For and its first entry names the client.
// A request from a trusted proxy (TRUSTED_PROXIES: the storefront, calling the API for its visitors)
// names its client in X-Forwarded-For too: walking back from the nearest hop, each trusted proxy vouches
// for the hop before it, and the first hop that is not a trusted proxy is the client. From anyone else
// the header is ignored, so a client on the internet cannot pick the address it is counted under.
import { BlockList, isIP } from 'node:net';

const NAMED_RANGES = new Map([
  ['loopback', ['127.0.0.0/8', '::1/128']],
  ['linklocal', ['169.254.0.0/16', 'fe80::/10']],
  ['uniquelocal', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']],
]);

/** `::ffff:10.1.2.3` is 10.1.2.3 (an IPv4 client of a dual-stack socket). */
function unmapped(address: string): string {
  const v4 = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : '';
  return v4 && isIP(v4) === 4 ? v4 : address;
}

/** TRUSTED_PROXIES: addresses, CIDRs and the names loopback, linklocal, uniquelocal, comma-separated. */
export class TrustedProxies {
  private readonly list = new BlockList();

  constructor(spec: string) {
    const entries = spec
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .flatMap((e) => NAMED_RANGES.get(e) ?? [e]);
    for (const entry of entries) {
      const [address = '', bits, extra] = entry.split('/');
      const family = isIP(address);
      const prefix = bits === undefined ? undefined : Number(bits);
      const max = family === 6 ? 128 : 32;
      const badPrefix = prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= max);
      if (!family || badPrefix || extra !== undefined)
        throw new Error(
          `TRUSTED_PROXIES: "${entry}" is not an address, a CIDR or one of loopback, linklocal, uniquelocal`,
        );
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, prefix, type);
    }
  }

  has(address: string): boolean {
    const a = unmapped(address);
    const family = isIP(a);
    return family !== 0 && this.list.check(a, family === 6 ? 'ipv6' : 'ipv4');
  }
}

export function clientAddress(
  peer: string,
  forwardedFor: string | string[] | undefined,
  trustIngress: boolean,
  trustedProxies?: TrustedProxies,
): string {
  if (trustIngress) {
    const first = (Array.isArray(forwardedFor) ? forwardedFor[0] : forwardedFor)?.split(',')[0]?.trim();
    return first || peer;
  }
  if (!trustedProxies?.has(peer)) return peer;
  const hops = [forwardedFor ?? []]
    .flat()
    .flatMap((h) => h.split(','))
    .map((h) => h.trim())
    .filter(Boolean);
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    // Not an address: nothing beyond it can be believed; the last hop vouched for is the client.
    if (!isIP(unmapped(hop))) break;
    client = hop;
    if (!trustedProxies.has(hop)) break;
  }
  return client;
}

interface ForwardedRequest {
  id: unknown;
  ip: string;
  protocol: string;
  host: string;
  raw: { socket?: { remoteAddress?: string } };
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The headers an upstream receives: the client's own, plus the request id and who the client is.
 * X-Forwarded-For is set, never appended to: identity throttles logins per client by it and trusts it
 * from the gateway only, so a client's own X-Forwarded-For must not get through.
 */
export function forwardedHeaders<H extends Record<string, unknown>>(
  request: ForwardedRequest,
  headers: H,
  trustIngress: boolean,
  trustedProxies?: TrustedProxies,
): H & Record<'x-request-id' | 'x-forwarded-for' | 'x-forwarded-proto' | 'x-forwarded-host', string> {
  return {
    ...headers,
    'x-request-id': String(request.id),
    'x-forwarded-for': clientAddress(
      request.raw.socket?.remoteAddress ?? request.ip,
      request.headers['x-forwarded-for'],
      trustIngress,
      trustedProxies,
    ),
    'x-forwarded-proto': request.protocol,
    'x-forwarded-host': request.host,
  };
}
