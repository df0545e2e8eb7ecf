// The mails as files: templates/<name>/ holds meta.json (kind, subject, description, sample data),
// html.mjml (the body, inside templates/_layout.mjml) and text.hbs (inside templates/_layout.txt).
// MJML turns each body into responsive HTML: at build time for the shipped templates (mjml.ts:
// dist/mail-html.json), else once at start in a worker thread; Handlebars fills in the variables of
// subject, HTML (escaped) and text at each render. Shop name and links come from configuration.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import type { Formatter, Money } from './format.ts';
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
  }): Promise<TemplateCatalog> {
    const hb = Handlebars.create();
    registerHelpers(hb, opts.shop, opts.format);
    const sources = await readTemplateSources(opts.dirs ?? [TEMPLATES_DIR]);
    const layoutText = hb.compile(sources.layoutText, { noEscape: true, strict: false });
    const precompiled =
      opts.precompiled === false ? new Map<string, string>() : await readPrecompiled(opts.precompiled);
    const { results: html, compiled } = await htmlOf(sources.documents, precompiled);
    const templates = new Map<string, Compiled>();
    for (const [i, t] of sources.templates.entries()) {
      const result = html[i]!;
      if ('error' in result) throw new Error(`template ${t.name}: ${result.error}`);
      if (result.errors.length > 0) throw new Error(`template ${t.name}: ${result.errors.join('; ')}`);
      const text = hb.compile(t.text, { noEscape: true });
      templates.set(t.name, {
        meta: t.meta,
        subject: hb.compile(t.meta.subject, { noEscape: true }),
        html: hb.compile(result.html),
        text: (data: unknown) => layoutText({ ...(data as object), content: text(data) }),
      });
    }
    return new TemplateCatalog(templates, opts.shop, compiled);
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

function registerHelpers(hb: typeof Handlebars, shop: Shop, format: Formatter): void {
  hb.registerHelper('money', (m: Money) => (m && typeof m === 'object' ? format.money(m) : ''));
  hb.registerHelper('datetime', (iso: string) => (iso ? format.dateTime(iso) : ''));
  const shopUrl = (path: string) => new URL(path.replace(/^\/+/, ''), `${shop.url.replace(/\/+$/, '')}/`);
  // {{url "/verify" token=token}} → SHOP_URL/verify?token=… (query values URL-encoded)
  hb.registerHelper('url', (path: string, options: Handlebars.HelperOptions) => {
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
