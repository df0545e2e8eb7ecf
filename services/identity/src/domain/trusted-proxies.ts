// Which peers may tell identity who the client is. Behind the gateway every request comes from the
// gateway's address, so login throttling needs the client's address from X-Forwarded-For — which the
// gateway sets (overwriting what a client sent) and which is believed only when the socket's peer is
// a trusted proxy. Anyone else's X-Forwarded-For is ignored: request.ip is then the peer itself.

/**
 * Fastify's `trustProxy` from the configuration: TRUST_PROXY (addresses, CIDRs or proxy-addr's names
 * `loopback`, `linklocal`, `uniquelocal`, comma-separated) wins; else TRUSTED_PROXY_HOPS (a count of
 * proxies in front, for a network where only they can reach identity); else no proxy is trusted.
 */
export function trustedProxies(config: {
  TRUST_PROXY: string;
  TRUSTED_PROXY_HOPS: number;
}): string[] | ((address: string, hop: number) => boolean) | false {
  const list = config.TRUST_PROXY.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length > 0) return list;
  const hops = config.TRUSTED_PROXY_HOPS;
  // proxy-addr's hop count, as a function: the socket's peer is hop 0, the last X-Forwarded-For entry 1.
  return hops > 0 ? (_address, hop) => hop < hops : false;
}
