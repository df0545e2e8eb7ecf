// Who the client is, as the gateway tells the services behind it. Without a trusted ingress in front
// the client is the socket's peer, and whatever X-Forwarded-For the client sent is a claim, ignored.
// Behind one (TRUST_PROXY=true) the ingress has set X-Forwarded-For and its first entry names the client.

export function clientAddress(
  peer: string,
  forwardedFor: string | string[] | undefined,
  trustIngress: boolean,
): string {
  if (!trustIngress) return peer;
  const first = (Array.isArray(forwardedFor) ? forwardedFor[0] : forwardedFor)?.split(',')[0]?.trim();
  return first || peer;
}
