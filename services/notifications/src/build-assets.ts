// This service's build step (scripts/build calls a service's src/build-assets.ts after bundling it):
// the shipped templates' MJML compiled to HTML once, into dist/mail-html.json, so a start reads the
// HTML instead of loading mjml (domain/mjml.ts); then every Handlebars source (subjects, HTML, text,
// the text layout) compiled into dist/mail-templates.js, so a start loads Handlebars' runtime only
// (domain/handlebars.ts). Not part of the server bundle.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { precompiledTemplatesModule } from './domain/handlebars.ts';
import { documentKey, mjmlToHtml } from './domain/mjml.ts';
import { handlebarsSourcesOf, readTemplateSources, TEMPLATES_DIR } from './domain/templates.ts';

/**
 * Writes <distDir>/mail-html.json and <distDir>/mail-templates.js and returns the paths (absolute) of what it was made from — the
 * templates' files and folders (a folder's time changes when a template is added or removed) — for
 * the build's staleness check. A template mjml refuses fails the build, as it would fail the start.
 */
export async function buildAssets(distDir: string): Promise<string[]> {
  const sources = await readTemplateSources([TEMPLATES_DIR]);
  const results = await mjmlToHtml(sources.documents);
  const html: Record<string, string> = {};
  for (const [i, result] of results.entries()) {
    const name = sources.templates[i]!.name;
    if ('error' in result) throw new Error(`template ${name}: ${result.error}`);
    if (result.errors.length > 0) throw new Error(`template ${name}: ${result.errors.join('; ')}`);
    html[documentKey(sources.documents[i]!.mjml)] = result.html;
  }
  const file = join(distDir, 'mail-html.json');
  writeFileSync(file, `${JSON.stringify({ templates: sources.templates.map((t) => t.name), html })}\n`);
  const handlebars = await precompiledTemplatesModule(handlebarsSourcesOf(sources, results));
  writeFileSync(join(distDir, 'mail-templates.js'), handlebars);
  return filesUnder(TEMPLATES_DIR);
}

function filesUnder(dir: string): string[] {
  const found = [dir];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const at = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(at));
    else found.push(at);
  }
  return found;
}
