// Handlebars for the mail templates. The build compiles every shipped template once
// (src/build-assets.ts → dist/mail-templates.js: the precompiled templates, keyed by the SHA-256 of
// their source and compile options), so a start of the shipped service loads Handlebars' runtime
// alone, not its parser and compiler (~30 modules with source-map, ~4 MB of RSS for as long as the
// process runs). A source the file does not hold — a template edited since the build, a folder of extra
// templates (tests), sources run without a build — loads the compiler and is compiled at load, as
// before: the file is a cache of what the sources give, never a second source.
import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type HandlebarsModule from 'handlebars';

export type Handlebars = typeof HandlebarsModule;

/** One template's source and the options it is compiled with. */
export interface HandlebarsSource {
  source: string;
  options: CompileOptions;
}

/** Where the build writes the precompiled templates (services/notifications/dist/). */
export const PRECOMPILED_TEMPLATES = fileURLToPath(new URL('../../dist/mail-templates.js', import.meta.url));

/** The key of a source's precompiled template. */
export const templateKey = ({ source, options }: HandlebarsSource) =>
  createHash('sha256')
    .update(JSON.stringify([options, source]))
    .digest('hex');

/** The build's precompiled templates by key; empty when there is no file (sources not built) or it does not load. */
export async function readPrecompiledTemplates(
  file: string = PRECOMPILED_TEMPLATES,
): Promise<Map<string, TemplateSpecification>> {
  try {
    const module = (await import(pathToFileURL(file).href)) as {
      default?: Record<string, TemplateSpecification>;
    };
    return new Map(Object.entries(module.default ?? {}));
  } catch {
    return new Map();
  }
}

/** The module the build writes: every source precompiled, by key. Needs the compiler (build time only). */
export async function precompiledTemplatesModule(sources: HandlebarsSource[]): Promise<string> {
  const { default: compiler } = await import('handlebars');
  const entries = new Map(sources.map((s) => [templateKey(s), compiler.precompile(s.source, s.options)]));
  const body = [...entries].map(([key, spec]) => `${JSON.stringify(key)}: ${spec}`).join(',\n');
  return `// Made by services/notifications/src/build-assets.ts: the mail templates, compiled by Handlebars.\nexport default {\n${body}\n};\n`;
}

export interface TemplateFactory {
  /** Where the helpers go. */
  env: Handlebars;
  template(source: HandlebarsSource): HandlebarsTemplateDelegate;
  /** How many of the sources are compiled now (0: every one came from the build). */
  compiledAtLoad: number;
}

/** Templates for `sources`: the runtime alone when `specs` holds every one of them, else the compiler too. */
export async function handlebarsFor(
  sources: HandlebarsSource[],
  specs: Map<string, TemplateSpecification>,
): Promise<TemplateFactory> {
  const compiledAtLoad = sources.filter((s) => !specs.has(templateKey(s))).length;
  const env =
    compiledAtLoad === 0
      ? ((await import('handlebars/runtime.js')).default as unknown as Handlebars).create()
      : (await import('handlebars')).default.create();
  return {
    env,
    compiledAtLoad,
    template(source) {
      const spec = specs.get(templateKey(source));
      return spec ? env.template(spec) : env.compile(source.source, source.options);
    },
  };
}
