import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';

/**
 * Route validation with TypeBox itself instead of Fastify's Ajv, because Ajv's defaults
 * (removeAdditional, coerceTypes on the body) would silently drop unknown fields and turn "5" into 5
 * where a schema says otherwise. Like @fastify/type-provider-typebox's TypeBoxValidatorCompiler
 * (strings converted only for querystring, params and headers), plus schema defaults applied, so
 * `PageQuery`'s page=1/pageSize=20 reach the handler.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema);
  const convert = httpPart !== 'body';
  return (input: unknown): any => {
    let value = convert ? Value.Convert(schema, input) : input;
    value = Value.Default(schema, value);
    if (check.Check(value)) return { value };
    return { error: check.Errors(value) };
  };
};

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
