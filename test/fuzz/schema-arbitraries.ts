// fast-check arbitraries derived from the JSON schemas of the merged OpenAPI document: values an
// operation's schema accepts (so requests reach the handlers and the database), from which the
// hostile ones (hostile.ts) are made by mutation.
import fc from 'fast-check';

export type JsonSchema = Record<string, any>;

export interface SchemaContext {
  /** The document's components, for $ref. */
  components: Record<string, JsonSchema>;
  /** Ids that exist (a product, an order, the customer's address …): some uuids are drawn from these. */
  ids: string[];
}

const MAX_DEPTH = 6;

/** Follows `#/components/schemas/X` references. */
export function resolve(schema: JsonSchema | undefined, ctx: SchemaContext): JsonSchema {
  let s = schema ?? {};
  for (let hops = 0; typeof s.$ref === 'string' && hops < 10; hops++) {
    const name = s.$ref.split('/').pop()!;
    s = ctx.components[name] ?? {};
  }
  return s;
}

export function valueFor(
  schema: JsonSchema | undefined,
  ctx: SchemaContext,
  depth = 0,
): fc.Arbitrary<unknown> {
  const s = resolve(schema, ctx);
  if (depth > MAX_DEPTH) return fc.constant(null);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum) && s.enum.length > 0) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (Array.isArray(alternatives) && alternatives.length > 0)
    return fc.oneof(...alternatives.map((a: JsonSchema) => valueFor(a, ctx, depth + 1)));
  if (Array.isArray(s.allOf) && s.allOf.length > 0) return valueFor(mergeAllOf(s.allOf, ctx), ctx, depth + 1);
  const type = Array.isArray(s.type) ? s.type : s.type ? [s.type] : inferType(s);
  if (type.length > 1)
    return fc.oneof(...type.map((t: string) => valueFor({ ...s, type: t }, ctx, depth + 1)));
  switch (type[0]) {
    case 'object':
      return objectFor(s, ctx, depth);
    case 'array':
      return fc.array(valueFor(s.items, ctx, depth + 1), {
        minLength: s.minItems ?? 0,
        maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 3, 3)),
      });
    case 'string':
      return stringFor(s, ctx);
    case 'integer':
      return fc.integer({ min: bound(s.minimum, -1000), max: bound(s.maximum, 1000, s.minimum) });
    case 'number':
      return fc.double({
        min: bound(s.minimum, -1000),
        max: bound(s.maximum, 1000, s.minimum),
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function inferType(s: JsonSchema): string[] {
  if (s.properties || s.additionalProperties) return ['object'];
  if (s.items) return ['array'];
  if (s.pattern || s.format || s.minLength !== undefined) return ['string'];
  return [];
}

function bound(value: unknown, fallback: number, atLeast?: unknown): number {
  const n = typeof value === 'number' && Number.isFinite(value) ? value : fallback;
  return typeof atLeast === 'number' && n < atLeast ? atLeast : n;
}

function mergeAllOf(parts: JsonSchema[], ctx: SchemaContext): JsonSchema {
  const merged: JsonSchema = { type: 'object', properties: {}, required: [] };
  for (const p of parts.map((x) => resolve(x, ctx))) {
    Object.assign(merged.properties, p.properties ?? {});
    merged.required.push(...(p.required ?? []));
  }
  return merged;
}

function objectFor(s: JsonSchema, ctx: SchemaContext, depth: number): fc.Arbitrary<unknown> {
  const properties: Record<string, JsonSchema> = s.properties ?? {};
  const keys = Object.keys(properties);
  if (keys.length === 0) {
    return s.additionalProperties && typeof s.additionalProperties === 'object'
      ? fc.dictionary(
          fc.string({ minLength: 1, maxLength: 8 }),
          valueFor(s.additionalProperties, ctx, depth + 1),
          {
            maxKeys: 2,
          },
        )
      : fc.constant({});
  }
  const arbs = Object.fromEntries(keys.map((k) => [k, valueFor(properties[k], ctx, depth + 1)]));
  const required = (s.required ?? []).filter((k: string) => keys.includes(k));
  const record = fc.record(arbs, { requiredKeys: required });
  // minProperties (a PATCH needs at least one field): add one when the draw left it empty.
  if (s.minProperties && s.minProperties > 0) {
    const first = keys[0]!;
    return fc
      .tuple(record, arbs[first]!)
      .map(([r, v]) =>
        Object.keys(r as object).length >= s.minProperties ? r : { ...(r as object), [first]: v },
      );
  }
  return record;
}

function stringFor(s: JsonSchema, ctx: SchemaContext): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = Math.max(min, Math.min(s.maxLength ?? 40, 40));
  const fits = (v: string) => v.length >= min && v.length <= (s.maxLength ?? Number.POSITIVE_INFINITY);
  switch (s.format) {
    case 'uuid':
      return ctx.ids.length > 0 ? fc.oneof(fc.constantFrom(...ctx.ids), fc.uuid()) : fc.uuid();
    case 'email':
      return fc.emailAddress().filter((e) => e.length <= (s.maxLength ?? 254));
    case 'date-time':
      return fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'date':
      return fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
    case 'uri':
      return fc.webUrl();
  }
  if (typeof s.pattern === 'string') {
    try {
      const pattern = new RegExp(s.pattern);
      return fc
        .stringMatching(pattern)
        .map((v) => (v.length > (s.maxLength ?? Number.POSITIVE_INFINITY) ? v.slice(0, s.maxLength) : v))
        .filter((v) => fits(v) && pattern.test(v));
    } catch {
      // A pattern JavaScript cannot compile: plain strings, which the service then refuses.
    }
  }
  return fc.string({ minLength: min, maxLength: max });
}
