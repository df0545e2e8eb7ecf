// Where the CLI keeps its settings and sessions: $XDG_CONFIG_HOME/mercato/config.json (default
// ~/.config/mercato), the folder 0700 and the file 0600, written whole through a temporary file.
// Sessions are kept per API URL, so tokens of one API are never sent to another.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TokenStore, Tokens } from '@mercato/sdk';

export const DEFAULT_API = 'http://localhost:8080';

export interface ConfigFile {
  /** The API used when neither --api nor MERCATO_API says otherwise. */
  api?: string;
  sessions?: Record<string, Tokens & { email?: string }>;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME?.trim() ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config');
  return path.join(base, 'mercato');
}

export class ConfigStore {
  readonly file: string;
  constructor(readonly dir: string) {
    this.file = path.join(dir, 'config.json');
  }

  async read(): Promise<ConfigFile> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as ConfigFile;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
  }

  async update(change: (config: ConfigFile) => void): Promise<ConfigFile> {
    const config = await this.read();
    change(config);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    const tmp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, this.file);
    return config;
  }

  /** The SDK's token store for one API: every read goes to the file (another process may have refreshed). */
  tokenStore(api: string): TokenStore & { email(): Promise<string | undefined> } {
    return {
      get: async () => {
        const session = (await this.read()).sessions?.[api];
        if (!session) return undefined;
        const { email: _email, ...tokens } = session;
        return tokens;
      },
      set: async (tokens) => {
        await this.update((config) => {
          config.sessions ??= {};
          if (tokens) config.sessions[api] = { ...config.sessions[api], ...tokens };
          else delete config.sessions[api];
        });
      },
      email: async () => (await this.read()).sessions?.[api]?.email,
    };
  }

  async rememberEmail(api: string, email: string): Promise<void> {
    await this.update((config) => {
      const session = config.sessions?.[api];
      if (session) session.email = email;
    });
  }
}
