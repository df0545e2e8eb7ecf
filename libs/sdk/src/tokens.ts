/** A signed-in session: what login and every refresh return. Times are epoch milliseconds. */
export interface Tokens {
  accessToken: string;
  /** Opaque, single use: identity rotates it on every refresh (a reused one revokes the whole family). */
  refreshToken: string;
  accessExpiresAt: number;
  refreshExpiresAt: number;
}

/**
 * Where the SDK keeps the tokens. Reads go through `get()` every time, so a store shared between
 * processes (the CLI's file) or tabs sees a refresh made elsewhere instead of replaying a rotated token.
 */
export interface TokenStore {
  get(): Tokens | undefined | Promise<Tokens | undefined>;
  set(tokens: Tokens | undefined): void | Promise<void>;
}

/** The default store: this client's memory only (nothing in localStorage or cookies). */
export class MemoryTokenStore implements TokenStore {
  private tokens?: Tokens;
  constructor(initial?: Tokens) {
    this.tokens = initial;
  }
  get(): Tokens | undefined {
    return this.tokens;
  }
  set(tokens: Tokens | undefined): void {
    this.tokens = tokens;
  }
}

/** The token pair identity answers to login and refresh. */
export interface TokenResponse {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  refreshExpiresIn: number;
}

export function tokensFrom(body: TokenResponse, now: number): Tokens {
  return {
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    accessExpiresAt: now + body.expiresIn * 1000,
    refreshExpiresAt: now + body.refreshExpiresIn * 1000,
  };
}
