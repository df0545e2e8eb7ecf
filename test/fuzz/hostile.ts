// The input classes that made 5xx or non-problem 4xx in issue 9's fuzz run, as fast-check
// arbitraries: numbers at the edges, control characters, malformed Unicode, deep nesting, long and
// badly encoded path parameters, bad query encodings, oversized headers, malformed bodies.
import fc from 'fast-check';

/** Strings PostgreSQL cannot store, or that no field has a use for, or that stress a parser. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfffy',
    '\udc00\ud800',
    '\u001b[31mred',
    'bell\u0007',
    'del\u007f',
    '\u202egnp.exe',
    "'; drop table app_user; --",
    '../../etc/passwd',
    '',
    ' ',
    '😀'.repeat(50),
    'a'.repeat(5_000),
    'x'.repeat(300_000),
  ),
  // Any UTF-16 code units: lone surrogates and controls included.
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
);

/** Numbers at the edges of what an integer column, a JS number or an OFFSET holds. */
export const edgeNumber: fc.Arbitrary<number> = fc.constantFrom(
  0,
  -0,
  -1,
  1.5,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 63),
  1e21,
  1e308,
  -1e308,
  5e-324,
);

/** The same, and worse, as query-string text (already percent-encoded where needed). */
export const edgeNumberText: fc.Arbitrary<string> = fc.constantFrom(
  '0',
  '-1',
  '-0',
  '1.5',
  '2147483648',
  '9223372036854775808',
  '99999999999999999999999',
  '1e3',
  '1e309',
  'NaN',
  'Infinity',
  '0x1F',
  '+1',
  '%201',
  '00000000001',
  '',
);

/** Raw (already encoded) query values: malformed encodings, NUL, lone surrogates in UTF-8 form. */
export const hostileQueryText: fc.Arbitrary<string> = fc.oneof(
  edgeNumberText,
  fc.constantFrom(
    '%00',
    'a%00b',
    '%zz',
    '%',
    '%ED%A0%80',
    '%C0%AF',
    '%1B%5B31m',
    '%FF%FE',
    'a'.repeat(5_000),
  ),
  hostileString.filter((s) => s.isWellFormed()).map((s) => encodeURIComponent(s)),
);

/** Raw path segments: bad encodings, too long for any id, NUL and controls, not-quite-uuids. */
export const hostilePathSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '%zz',
    '%',
    '%ED%A0%80',
    '%C0%AF',
    '%00',
    'a%00',
    '%1b',
    '%2e%2e',
    '..',
    'null',
    '-1',
    '1e309',
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    '0194a3e0-0000-7000-8000-00000000000G',
    '%F0%9F%98%80',
  ),
  fc.integer({ min: 101, max: 2_000 }).map((n) => 'a'.repeat(n)),
  fc.uuid().map((u) => `${u}%00`),
);

/** A JSON value nested `depth` levels deep (arrays or objects). */
export function nested(depth: number, leaf: unknown = 1, objects = false): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = objects ? { a: v } : [v];
  return v;
}
export const deepValue: fc.Arbitrary<unknown> = fc
  .tuple(fc.integer({ min: 33, max: 1_000 }), fc.boolean())
  .map(([depth, objects]) => nested(depth, 1, objects));

/** Any value a field should not get: hostile strings, edge numbers, deep nesting, wrong types. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 3, arbitrary: edgeNumber },
  { weight: 2, arbitrary: deepValue },
  {
    weight: 1,
    arbitrary: fc.constantFrom(null, true, [], {}, [null], JSON.parse('{"__proto__":{"admin":true}}')),
  },
);

/** Bodies that are not the JSON they claim to be, or not JSON at all. */
export const malformedBody: fc.Arbitrary<{ contentType: string; body: string }> = fc.oneof(
  fc
    .constantFrom('{', '[1,]', '{"a":1,}', 'nul', '"\\ud800"', '{"__proto__":{"x":1}}', '', '\u0000', '1e999')
    .map((body) => ({ contentType: 'application/json', body })),
  fc.constantFrom(
    { contentType: 'text/plain', body: 'hello' },
    { contentType: 'application/x-www-form-urlencoded', body: 'a=1&b=2' },
    { contentType: 'application/xml', body: '<a/>' },
    { contentType: 'application/json; charset=utf-16', body: '{}' },
    { contentType: 'multipart/form-data; boundary=x', body: '--x--' },
  ),
  // Deep nesting as raw text: cheaper to build than a value, and the same for the server.
  fc
    .integer({ min: 33, max: 100_000 })
    .map((n) => ({ contentType: 'application/json', body: `${'['.repeat(n)}${']'.repeat(n)}` })),
);

/** Headers that are too large for any server to take (Node's limit is 16 KiB). */
export const oversizedHeader: fc.Arbitrary<Record<string, string>> = fc
  .integer({ min: 17_000, max: 80_000 })
  .map((n) => ({ 'x-fuzz-padding': 'a'.repeat(n) }));
