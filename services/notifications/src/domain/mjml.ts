// MJML → HTML for the mail templates. The build compiles every shipped template once
// (src/build-assets.ts → dist/mail-html.json, keyed by the MJML document's SHA-256), so a start of the
// shipped service finds each body's HTML there and never loads mjml (0.5 s of CPU and ~75 MB of RSS
// in the worker, the largest part of this service's start). A document the file does not hold —
// a template edited since the build, a folder of extra templates (tests), sources run without a
// build — is compiled at start in a worker thread (workers/mjml.mjs), as before: the file is a cache
// of what the sources give, never a second source.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const MJML_WORKER = new URL('../../workers/mjml.mjs', import.meta.url);

/** Where the build writes the compiled templates (services/notifications/dist/). */
export const PRECOMPILED_HTML = fileURLToPath(new URL('../../dist/mail-html.json', import.meta.url));

export type MjmlResult = { name: string; html: string; errors: string[] } | { name: string; error: string };

/** The key of a document's HTML in the precompiled file. */
export const documentKey = (mjml: string) => createHash('sha256').update(mjml).digest('hex');

/** Every document's HTML, made by mjml in a worker thread that ends once they are done. */
export function mjmlToHtml(documents: { name: string; mjml: string }[]): Promise<MjmlResult[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(MJML_WORKER, { workerData: { documents } });
    let results: MjmlResult[] | undefined;
    worker.once('message', (message: MjmlResult[]) => {
      results = message;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (results) resolve(results);
      else reject(new Error(`the MJML worker exited with code ${code} before answering`));
    });
  });
}

/** The precompiled HTML by document key; empty when there is no file (sources not built) or it is unreadable. */
export async function readPrecompiled(file: string = PRECOMPILED_HTML): Promise<Map<string, string>> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { html?: Record<string, unknown> };
    const entries = Object.entries(parsed.html ?? {}).filter(
      (e): e is [string, string] => typeof e[1] === 'string',
    );
    return new Map(entries);
  } catch {
    return new Map();
  }
}

/**
 * HTML for every document: from `precompiled` where it holds the document, the rest from mjml in one
 * worker (not started when nothing is missing). `compiled` counts the documents mjml compiled now.
 */
export async function htmlOf(
  documents: { name: string; mjml: string }[],
  precompiled: Map<string, string>,
): Promise<{ results: MjmlResult[]; compiled: number }> {
  const results: (MjmlResult | undefined)[] = documents.map(({ name, mjml }) => {
    const html = precompiled.get(documentKey(mjml));
    return html === undefined ? undefined : { name, html, errors: [] };
  });
  const missing = documents.filter((_, i) => results[i] === undefined);
  if (missing.length > 0) {
    const fresh = new Map((await mjmlToHtml(missing)).map((r) => [r.name, r]));
    for (const [i, d] of documents.entries()) results[i] ??= fresh.get(d.name);
  }
  return {
    results: results.map((r, i) => r ?? { name: documents[i]!.name, error: 'no HTML from the MJML worker' }),
    compiled: missing.length,
  };
}
