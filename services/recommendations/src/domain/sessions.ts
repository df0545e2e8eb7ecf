// Viewed together: products one customer looks at (or adds to a cart) within one session window. A
// product already in the session does not pair again; a new one pairs once with each product there.

export interface SessionChange {
  /** products seen for the first time in this session (their view count grows) */
  newInSession: string[];
  /** `a|b` → how many times the ordered pair was formed by this batch */
  pairs: Map<string, number>;
}

/**
 * `session`: the customer's products viewed within the window, latest first (at most `keep`);
 * `batch`: the products of the new events, in their order.
 */
export function applyViews(
  session: readonly string[],
  batch: readonly string[],
  keep: number,
): SessionChange {
  const current = [...session];
  const newInSession: string[] = [];
  const pairs = new Map<string, number>();
  for (const p of batch) {
    const at = current.indexOf(p);
    if (at >= 0) {
      current.splice(at, 1);
      current.unshift(p);
      continue;
    }
    for (const q of current) {
      for (const key of [`${p}|${q}`, `${q}|${p}`]) pairs.set(key, (pairs.get(key) ?? 0) + 1);
    }
    newInSession.push(p);
    current.unshift(p);
    if (current.length > keep) current.length = keep;
  }
  return { newInSession, pairs };
}
