// The mails as files: templates/<name>/ holds meta.json (kind, subject, description, sample data),
// html.mjml (the body, inside templates/_layout.mjml) and text.hbs (inside templates/_layout.txt).
// MJML turns each body into responsive HTML: at build time for the shipped templates (mjml.ts:
// dist/mail-html.json), else once at start in a worker thread; Handlebars fills in the variables of
// subject, HTML (escaped) and text at each render. Shop name and links come from configuration.
// Handlebars templates are compiled at build time too (handlebars.ts: dist/mail-templates.js), so a
// start of the shipped service loads only Handlebars' runtime, not its compiler.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Formatter, Money } from './format.ts';
import {
  type Handlebars as HandlebarsEnv,
  type HandlebarsSource,
  handlebarsFor,
  readPrecompiledTemplates,
} from './handlebars.ts';
import { htmlOf, readPrecompiled } from './mjml.ts';

export type TemplateKind = 'transactional' | 'marketing';

export interface TemplateMeta {
  kind: TemplateKind;
  /** Handlebars, like the bodies */
  subject: string;
  description: string;
  /** what the preview renders with */
  sample: Record<string, unknown>;
}

export interface Rendered {
  subject: string;
  html: string;
  text: string;
}

export interface TemplateInfo {
  name: string;
  kind: TemplateKind;
  description: string;
}

export interface Shop {
  name: string;
  /** the storefront's origin, for links */
  url: string;
}

/** The templates shipped with the service. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));
const NAME = /^[a-z][a-z0-9-]*$/;
const CONTENT = '<!-- content -->';

interface Compiled {
  meta: TemplateMeta;
  subject: HandlebarsTemplateDelegate;
  html: HandlebarsTemplateDelegate;
  text: HandlebarsTemplateDelegate;
}

export class UnknownTemplateError extends Error {
  override name = 'UnknownTemplateError';
}

export class TemplateCatalog {
  private constructor(
    private readonly templates: Map<string, Compiled>,
    private readonly shop: Shop,
    /** How many HTML bodies mjml compiled at load (0 when the build's HTML held them all). */
    readonly compiledAtLoad: number,
    /** How many Handlebars templates were compiled at load (0: the build's, and only the runtime loaded). */
    readonly handlebarsCompiledAtLoad: number,
  ) {}

  /**
   * Loads every template of `dirs` (a later directory may add templates; the layouts are the first
   * directory's). An MJML error fails the start: templates are code. `precompiled`: the build's
   * compiled HTML (the file mjml.ts names, by default; false: compile every body now).
   */
  static async load(opts: {
    dirs?: string[];
    shop: Shop;
    format: Formatter;
    precompiled?: string | false;
    /** The build's compiled Handlebars templates (handlebars.ts names the file; false: none). */
    precompiledTemplates?: string | false;
  }): Promise<TemplateCatalog> {
    const sources = await readTemplateSources(opts.dirs ?? [TEMPLATES_DIR]);
    const precompiled =
      opts.precompiled === false ? new Map<string, string>() : await readPrecompiled(opts.precompiled);
    const { results: html, compiled } = await htmlOf(sources.documents, precompiled);
    const handlebarsSources = handlebarsSourcesOf(sources, html);
    const specs =
      opts.precompiledTemplates === false
        ? new Map()
        : await readPrecompiledTemplates(opts.precompiledTemplates);
    const hb = await handlebarsFor(handlebarsSources, specs);
    registerHelpers(hb.env, opts.shop, opts.format);
    const [layoutText, ...perTemplate] = handlebarsSources.map((source) => hb.template(source));
    const templates = new Map<string, Compiled>();
    for (const [i, t] of sources.templates.entries()) {
      const [subject, body, text] = perTemplate.slice(i * 3, i * 3 + 3);
      templates.set(t.name, {
        meta: t.meta,
        subject: subject!,
        html: body!,
        text: (data: unknown) => layoutText!({ ...(data as object), content: text!(data) }),
      });
    }
    return new TemplateCatalog(templates, opts.shop, compiled, hb.compiledAtLoad);
  }

  list(): TemplateInfo[] {
    return [...this.templates.entries()]
      .map(([name, t]) => ({ name, kind: t.meta.kind, description: t.meta.description }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  has(name: string): boolean {
    return this.templates.has(name);
  }

  kind(name: string): TemplateKind {
    return this.get(name).meta.kind;
  }

  sample(name: string): Record<string, unknown> {
    return this.get(name).meta.sample;
  }

  /** Subject (one line), HTML and text of `name` with `data` (plus `shop`). */
  render(name: string, data: Record<string, unknown>): Rendered {
    const t = this.get(name);
    const all = { ...data, shop: this.shop };
    return {
      subject: t.subject(all).replace(/\s+/g, ' ').trim(),
      html: t.html(all),
      text: `${t
        .text(all)
        .replace(/\n{3,}/g, '\n\n')
        .trim()}\n`,
    };
  }

  private get(name: string): Compiled {
    const t = this.templates.get(name);
    if (!t) throw new UnknownTemplateError(`no template ${JSON.stringify(name)}`);
    return t;
  }
}

export interface TemplateSources {
  layoutText: string;
  templates: { name: string; meta: TemplateMeta; text: string }[];
  /** Each template's whole MJML document (its body in the layout), in the order of `templates`. */
  documents: { name: string; mjml: string }[];
}

/**
 * Every Handlebars source of the catalog, in the order load uses them: the text layout, then per
 * template its subject, HTML body and text. With the options each is compiled with: HTML is escaped,
 * subject and text are not. A body mjml failed on fails here, as it fails the start.
 */
export function handlebarsSourcesOf(
  sources: TemplateSources,
  html: Awaited<ReturnType<typeof htmlOf>>['results'],
): HandlebarsSource[] {
  const all: HandlebarsSource[] = [
    { source: sources.layoutText, options: { noEscape: true, strict: false } },
  ];
  for (const [i, t] of sources.templates.entries()) {
    const result = html[i]!;
    if ('error' in result) throw new Error(`template ${t.name}: ${result.error}`);
    if (result.errors.length > 0) throw new Error(`template ${t.name}: ${result.errors.join('; ')}`);
    all.push(
      { source: t.meta.subject, options: { noEscape: true } },
      { source: result.html, options: {} },
      { source: t.text, options: { noEscape: true } },
    );
  }
  return all;
}

/** The template files of `dirs` as they are now: what load compiles, and what the build precompiles. */
export async function readTemplateSources(dirs: string[]): Promise<TemplateSources> {
  const base = dirs[0]!;
  const layoutMjml = await readFile(join(base, '_layout.mjml'), 'utf8');
  const layoutText = await readFile(join(base, '_layout.txt'), 'utf8');
  if (!layoutMjml.includes(CONTENT)) throw new Error(`_layout.mjml must contain ${CONTENT}`);
  const templates: TemplateSources['templates'] = [];
  const documents: TemplateSources['documents'] = [];
  for (const dir of dirs) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !NAME.test(entry.name)) continue;
      const at = join(dir, entry.name);
      const meta = JSON.parse(await readFile(join(at, 'meta.json'), 'utf8')) as TemplateMeta;
      if (meta.kind !== 'transactional' && meta.kind !== 'marketing')
        throw new Error(`template ${entry.name}: kind must be transactional or marketing`);
      const body = await readFile(join(at, 'html.mjml'), 'utf8');
      const text = await readFile(join(at, 'text.hbs'), 'utf8');
      templates.push({ name: entry.name, meta, text });
      documents.push({ name: String(documents.length), mjml: layoutMjml.replace(CONTENT, body) });
    }
  }
  return { layoutText, templates, documents };
}

function registerHelpers(hb: HandlebarsEnv, shop: Shop, format: Formatter): void {
  hb.registerHelper('money', (m: Money) => (m && typeof m === 'object' ? format.money(m) : ''));
  hb.registerHelper('datetime', (iso: string) => (iso ? format.dateTime(iso) : ''));
  const shopUrl = (path: string) => new URL(path.replace(/^\/+/, ''), `${shop.url.replace(/\/+$/, '')}/`);
  // {{url "/verify" token=token}} → SHOP_URL/verify?token=… (query values URL-encoded)
  hb.registerHelper('url', (path: string, options: { hash?: Record<string, unknown> }) => {
    const u = shopUrl(path);
    for (const [k, v] of Object.entries(options.hash ?? {})) u.searchParams.set(k, String(v));
    return u.toString();
  });
  // {{orderUrl orderId}} → SHOP_URL/account/orders/{id}: the storefront's order page (services/web),
  // which shows the status, the invoice and, after a declined payment, the form to pay again. Not
  // /orders/{id}: that is the API's prefix, which the gateway sends to the orders service (JSON, and
  // only with a token).
  hb.registerHelper('orderUrl', (orderId: string) =>
    shopUrl(`/account/orders/${encodeURIComponent(String(orderId))}`).toString(),
  );
  // {{url (concat "/a/" b)}}
  hb.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).map(String).join(''));
}
