// The gateway's merged OpenAPI document, linted with Spectral (.spectral.yaml: spectral:oas + the
// OWASP API ruleset, with its exceptions and why). Used by spectral.test.ts and `npm run lint:openapi`.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startSystem } from '../support/system.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface LintResult {
  code: string | number;
  message: string;
  path: (string | number)[];
  /** 0 error, 1 warning, 2 information, 3 hint */
  severity: number;
}

/** Starts the system (every service behind a gateway), reads /docs/json from the gateway, stops. */
export async function fetchMergedDocument(): Promise<Record<string, unknown>> {
  // Every service: notifications with an SMTP port nobody listens on (it only has to serve its
  // document), shipping with the fake carrier, recommendations.
  const system = await startSystem({ smtpPort: 1, shipping: true, recommendations: true });
  try {
    const res = await fetch(`${system.gatewayUrl}/docs/json`);
    if (!res.ok) throw new Error(`gateway /docs/json answered ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  } finally {
    await system.stop();
  }
}

/** Runs the Spectral CLI with the repository's ruleset on a document. */
export async function lintOpenApi(document: unknown): Promise<LintResult[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'openapi-'));
  const file = path.join(dir, 'openapi.json');
  try {
    await writeFile(file, JSON.stringify(document));
    const bin = path.join(root, 'node_modules', '.bin', 'spectral');
    const args = [
      'lint',
      file,
      '--ruleset',
      path.join(root, '.spectral.yaml'),
      '--format',
      'json',
      '--quiet',
    ];
    // Spectral exits 1 when it finds errors; its JSON on stdout is the answer either way.
    const { stdout } = await promisify(execFile)(bin, args, { maxBuffer: 64 * 1024 * 1024 }).catch(
      (err: { stdout?: string; stderr?: string; code?: number }) => {
        if (err.stdout?.trim().startsWith('[')) return { stdout: err.stdout };
        throw new Error(`spectral failed (${err.code}): ${err.stderr ?? ''}`);
      },
    );
    return JSON.parse(stdout || '[]') as LintResult[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function countBySeverity(results: LintResult[]): { errors: number; warnings: number } {
  return {
    errors: results.filter((r) => r.severity === 0).length,
    warnings: results.filter((r) => r.severity === 1).length,
  };
}

export function describe(result: LintResult): string {
  return `${result.code} at ${result.path.join('.')}: ${result.message}`;
}
