/**
 * Remembers which access tokens were already verified, until they expire, so a client sending the
 * same token on every request costs one signature check, not one per request. Bounded: past
 * `maxEntries` the oldest entry goes.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, { sub: string; expiresAtMs: number }>();

  constructor(private readonly maxEntries = 10_000) {}

  get(token: string, nowMs = Date.now()): string | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.sub;
  }

  /** Only for a token whose signature was verified; its `exp` claim bounds the entry's life. */
  remember(token: string, sub: string): void {
    const expiresAtMs = expiryOf(token);
    if (expiresAtMs === undefined) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, { sub, expiresAtMs });
  }
}

function expiryOf(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
