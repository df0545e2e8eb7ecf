// Pages are plain TypeScript functions returning HTML. Every interpolated value is escaped unless it
// is already `Html` (the result of another `html` template), so data from the API can never become
// markup: the storefront's first line of defence against XSS, checked by the compiler (a page is a
// typed function of its data) rather than by a template language's conventions.

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"'`]/g, (c) => ESCAPES[c] as string);
}

/** A fragment of trusted markup. Only `html` (and `raw`, for constant strings) make one. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(part);
}

export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0] as string;
  for (let i = 0; i < parts.length; i++) out += render(parts[i] as Part) + strings[i + 1];
  return new Html(out);
}

/** Markup written in this code base (never data): a constant. */
export function raw(markup: string): Html {
  return new Html(markup);
}
