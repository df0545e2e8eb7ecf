// The client address that login throttling counts. Behind the gateway the socket peer is the gateway
// itself; each trusted proxy appends the address it saw to X-Forwarded-For, so the client is the entry
// `trustedHops` places from the end. Entries further left are whatever the client claimed: ignored.
export function clientIp(
  socketIp: string,
  forwardedFor: string | string[] | undefined,
  trustedHops: number,
): string {
  if (trustedHops <= 0 || forwardedFor === undefined) return socketIp;
  const chain = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const addresses = [...chain, socketIp];
  return addresses[Math.max(0, addresses.length - 1 - trustedHops)]!;
}
