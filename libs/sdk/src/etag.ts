// ETag / If-Match: resources that can be updated answer with their version as an ETag, and an update
// carrying a stale If-Match gets 412 (ProblemError with slug 'precondition-failed').

/** The ETag of a response (`"3"`), or undefined. */
export function etagOf(response: Response): string | undefined {
  return response.headers.get('etag') ?? undefined;
}

/** Headers for a conditional update: `{ 'if-match': etag }` (none when etag is undefined). */
export function ifMatch(etag: string | undefined): { 'if-match': string } | Record<string, never> {
  return etag === undefined ? {} : { 'if-match': etag };
}

/**
 * Awaits an SDK call and returns its data with the ETag it came with:
 * `const { data, etag } = await withETag(mercato.api.GET('/products/{id}', …))`.
 */
export async function withETag<T extends { response: Response; data?: unknown }>(
  call: Promise<T>,
): Promise<{ data: NonNullable<T['data']>; etag: string | undefined; response: Response }> {
  const result = await call;
  return {
    data: result.data as NonNullable<T['data']>,
    etag: etagOf(result.response),
    response: result.response,
  };
}
