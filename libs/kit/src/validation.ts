import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { findUnstorableStrings } from './hostile-input.ts';

/**
 * Route validation with TypeBox itself instead of Fastify's Ajv, because Ajv's defaults
 * (removeAdditional, coerceTypes on the body) would silently drop unknown fields and turn "5" into 5
 * where a schema says otherwise. Like @fastify/type-provider-typebox's TypeBoxValidatorCompiler
 * (strings converted only for querystring, params and headers), plus schema defaults applied, so
 * `PageQuery`'s page=1/pageSize=20 reach the handler. Before the schema, every string of the part
 * (values and property names) is checked by findUnstorableStrings: NUL, other control characters
 * and lone surrogates are a 400 whatever the schema says.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema);
  const convert = httpPart !== 'body';
  return (input: unknown): any => {
    // One rule for every part: strings PostgreSQL cannot store, or that carry control characters,
    // are refused here, before a route can hand them to the database (see hostile-input.ts).
    const unstorable = findUnstorableStrings(input);
    if (unstorable.length > 0) return { error: unstorable };
    let value = convert ? convertStrings(schema, input) : input;
    value = Value.Default(schema, value);
    if (check.Check(value)) return { value };
    return { error: check.Errors(value) };
  };
};

const INTEGER = /^[-+]?\d+$/;

/**
 * Value.Convert for strings (query, params, headers, environment), except that it never truncates:
 * TypeBox turns '1.5' into the integer 1, which would answer `?pageSize=1.5` as if it said 1. A
 * string that is not an integer is left as it is for an integer property, so validation rejects it.
 */
export function convertStrings(schema: TSchema, input: unknown): unknown {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties;
  if (!properties || typeof input !== 'object' || input === null) return Value.Convert(schema, input);
  // Before converting: Value.Convert may change the object it is given.
  const keep: [string, string][] = [];
  for (const [key, property] of Object.entries(properties)) {
    const raw = (input as Record<string, unknown>)[key];
    if (property.type === 'integer' && typeof raw === 'string' && !INTEGER.test(raw.trim()))
      keep.push([key, raw]);
  }
  const converted = Value.Convert(schema, { ...(input as Record<string, unknown>) });
  if (keep.length === 0 || typeof converted !== 'object' || converted === null) return converted;
  return { ...(converted as Record<string, unknown>), ...Object.fromEntries(keep) };
}

export interface ValidationIssue {
  /** where, from the request part: 'body/quantity', 'querystring/page', 'params/id' */
  path: string;
  message: string;
}

interface SchemaError {
  keyword: string;
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Turns TypeBox/Ajv-shaped errors into the `errors` list of a 400 problem. */
export function toIssues(errors: SchemaError[], context = 'body'): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const at = (instancePath: string, name?: string) =>
    [context, instancePath.replace(/^\//, ''), name].filter((s) => s !== undefined && s !== '').join('/');
  for (const e of errors) {
    const params = e.params ?? {};
    if (e.keyword === 'additionalProperties' && Array.isArray(params.additionalProperties)) {
      for (const name of params.additionalProperties as string[]) {
        issues.push({ path: at(e.instancePath, name), message: 'is not allowed' });
      }
    } else if (e.keyword === 'required' && Array.isArray(params.requiredProperties)) {
      for (const name of params.requiredProperties as string[]) {
        issues.push({ path: at(e.instancePath, name), message: 'is required' });
      }
    } else if (e.keyword === 'required' && typeof params.missingProperty === 'string') {
      issues.push({ path: at(e.instancePath, params.missingProperty), message: 'is required' });
    } else if (e.keyword === 'boolean') {
      // TypeBox reports `additionalProperties: false` twice (once as a `false` schema): keep one.
    } else {
      issues.push({ path: at(e.instancePath), message: e.message ?? 'is invalid' });
    }
  }
  if (issues.length === 0 && errors.length > 0) {
    issues.push({ path: at(errors[0]!.instancePath), message: errors[0]!.message ?? 'is invalid' });
  }
  // The same property can be reported by several keywords; one line each is enough.
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
