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
): H & Record<'x-request-id' | 'x-forwarded-for' | 'x-forwarded-proto' | 'x-forwarded-host', string> {
  return {
    ...headers,
    'x-request-id': String(request.id),
    'x-forwarded-for': clientAddress(
      request.raw.socket?.remoteAddress ?? request.ip,
      request.headers['x-forwarded-for'],
      trustIngress,
    ),
    'x-forwarded-proto': request.protocol,
    'x-forwarded-host': request.host,
  };
}
