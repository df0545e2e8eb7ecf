// Runs the real `mercato` binary (node_modules/.bin/mercato, as `npx mercato` does) in a child process.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = path.join(root, 'node_modules', '.bin', 'mercato');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (the last line when there are several). */
  json: any;
  /** Every stdout line parsed as JSON. */
  lines: any[];
}

export function mercato(
  args: string[],
  opts: { env: Record<string, string>; input?: string; timeoutMs?: number },
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, {
      cwd: root,
      env: {
        PATH: `${path.join(root, 'node_modules', '.bin')}:${process.env.PATH}`,
        HOME: process.env.HOME ?? '/tmp',
        ...opts.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = stdout
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => {
          try {
            return JSON.parse(l);
          } catch {
            return undefined;
          }
        });
      resolve({ code: code ?? -1, stdout, stderr, json: lines.at(-1), lines });
    });
    child.stdin.end(opts.input ?? '');
  });
}
