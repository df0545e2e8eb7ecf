// Capability links carry a credential in the query string (an invoice's ?token=): such values are
// replaced before a URL reaches a log line or a trace.

/** The query parameters whose values are credentials. */
export const SECRET_QUERY_PARAMS = ['token', 'code', 'key'] as const;

const SECRET_QUERY = new RegExp(`([?&](?:${SECRET_QUERY_PARAMS.join('|')})=)[^&#]*`, 'gi');

/** The URL (or path with query) with the values of credential-like parameters replaced. */
export function redactSecretQuery(url: string): string {
  return url.replace(SECRET_QUERY, '$1[redacted]');
}
