// Input that no route has a use for and that would otherwise surface as a 500 deep inside (the JSON
// parser's or validator's recursion, PostgreSQL refusing to store a value): refused at the edge,
// once for every route, as a 400 problem.
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from './problems.ts';

/**
 * How deep a JSON body may nest. The deepest body any route takes is a few levels (an order's lines'
 * attributes); 32 leaves room for free-form attributes and stops the thousands of levels that blow
 * the stack of a recursive validator or serializer, or PostgreSQL's jsonb.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether a parsed value nests objects/arrays deeper than `maxDepth` (the value itself is level 1).
 * Iterative, and it stops at the first level too deep: V8's JSON.parse does not recurse, but the
 * validator, the serializer and jsonb do.
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > maxDepth) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * Refuses a parsed body that nests too deep with a 400, before validation recurses into it. A hook
 * rather than a replacement JSON parser, because plugins (the gateway's proxy) register their own
 * application/json parser, which Fastify allows only over its default one. A proxied body is not
 * parsed (a stream), so the service behind the proxy is where it is checked.
 */
export function guardJsonDepth(app: FastifyInstance, maxDepth = MAX_JSON_DEPTH): void {
  app.addHook('preValidation', async (request) => {
    const body = request.body;
    if (body === null || typeof body !== 'object') return;
    // A proxied body is a stream (the gateway's): not JSON, and walking its fields never ends.
    if (typeof (body as { pipe?: unknown }).pipe === 'function' || !nestsDeeperThan(body, maxDepth)) return;
    throw new HttpProblem({
      status: 400,
      slug: 'bad-request',
      title: 'Bad Request',
      detail: `The JSON body nests deeper than ${maxDepth} levels`,
    });
  });
}

/**
 * Why a string cannot be accepted, or undefined when it can:
 * - a lone surrogate (malformed UTF-16) is not Unicode text: PostgreSQL's UTF-8 text and jsonb refuse it;
 * - NUL cannot be stored in PostgreSQL text at all (nor `\u0000` in jsonb);
 * - other C0 control characters and DEL have no meaning in any field here (tab, LF and CR, which
 *   free text such as a description may carry, are allowed).
 */
export function unstorableReason(s: string): string | undefined {
  if (!s.isWellFormed()) return 'must be well-formed Unicode (no lone surrogates)';
  if (!CONTROL.test(s)) return undefined;
  return s.includes('\u0000') ? 'must not contain NUL characters' : 'must not contain control characters';
}
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** An issue in the shape the validator's errors have (toIssues turns it into `errors[]`). */
export interface UnstorableIssue {
  keyword: 'unstorable';
  instancePath: string;
  message: string;
}

const MAX_ISSUES = 20;

/**
 * Every string in a request part (values and property names, at any depth) that unstorableReason
 * refuses, with its JSON-pointer path. Iterative, although guardJsonDepth's hook has already
 * refused a body too deep by the time the validator runs.
 */
export function findUnstorableStrings(value: unknown): UnstorableIssue[] {
  const issues: UnstorableIssue[] = [];
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0 && issues.length < MAX_ISSUES) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      const reason = unstorableReason(v);
      if (reason) issues.push({ keyword: 'unstorable', instancePath: path, message: reason });
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}/${i}`]);
    } else if (v !== null && typeof v === 'object') {
      for (const [key, child] of Object.entries(v).reverse()) {
        const at = `${path}/${pointerEscape(key)}`;
        const reason = unstorableReason(key);
        if (reason) {
          // The name itself cannot be echoed safely into the path; say where its parent is.
          issues.push({ keyword: 'unstorable', instancePath: path, message: `property names ${reason}` });
          continue;
        }
        stack.push([child, at]);
      }
    }
  }
  return issues;
}

function pointerEscape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
