import { createMercato, type Mercato } from '@mercato/sdk';
import { ConfigStore, configDir, DEFAULT_API } from './config.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { type Io, Output } from './output.ts';

export interface GlobalOptions {
  api?: string;
  json?: boolean;
}

export interface Ctx {
  io: Io;
  out: Output;
  /** The API this command talks to: --api, else MERCATO_API, else the config file's, else localhost:8080. */
  api: string;
  config: ConfigStore;
  mercato: Mercato;
  tokens: ReturnType<ConfigStore['tokenStore']>;
  /** Fails with exit code 3 when there is no session for this API. */
  requireSession(): Promise<void>;
}

export async function createContext(io: Io, opts: GlobalOptions): Promise<Ctx> {
  const out = new Output(io, opts.json ?? false);
  const config = new ConfigStore(configDir(io.env));
  const fromFile = (await config.read()).api;
  const raw = opts.api ?? io.env.MERCATO_API ?? fromFile ?? DEFAULT_API;
  let api: string;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    api = url.href.replace(/\/+$/, '');
  } catch {
    throw new CliError(`--api / MERCATO_API must be an http(s) URL, not '${raw}'`, EXIT.USAGE);
  }
  const tokens = config.tokenStore(api);
  const mercato = createMercato({ baseUrl: api, tokens });
  return {
    io,
    out,
    api,
    config,
    mercato,
    tokens,
    async requireSession() {
      if (!(await tokens.get())) throw new CliError(`not signed in to ${api}`, EXIT.AUTH);
    },
  };
}
