// The pure rules of search (src/domain/search.ts): no servers.
import t from 'tap';
import {
  allowedTypos,
  corrections,
  deletionVariants,
  escapeHtml,
  MARK_END,
  MARK_START,
  markedSnippet,
  maxTypoBudget,
  parseFacets,
  queryWords,
  respelled,
  tsQueryText,
  typoBudget,
  typoDistance,
} from '../src/domain/search.ts';
import { highlightTyped } from '../src/use-cases/search-products.ts';

t.test('typos allowed by word length: one from 5 letters, two from 9 (loose: 4 and 8)', async (t) => {
  t.equal(allowedTypos('dune'), 0);
  t.equal(allowedTypos('hobit'), 1);
  t.equal(allowedTypos('tolkein'), 1);
  t.equal(allowedTypos('lighthuse'), 2);
  t.equal(allowedTypos('12345678901'), 0, 'numbers are exact');
  t.equal(allowedTypos('dume', 'loose'), 1);
  t.equal(allowedTypos('lighthus', 'loose'), 2);
  t.equal(allowedTypos('häuser'), 1, 'letters, not bytes');
});

t.test('a word no product holds has the typos of the longer word it may stand for', async (t) => {
  t.equal(typoBudget('qeen', 'queen', false), 1, 'a four-letter misspelling of a five-letter word');
  t.equal(typoBudget('qeen', 'queen', true), 0, 'a real four-letter word: its own length');
  t.equal(typoBudget('dume', 'dune', false), 0, 'a four-letter word meant: none');
  t.equal(typoBudget('waterfl', 'waterfall', false), 2, 'two letters lost from nine');
  t.equal(typoBudget('waterfl', 'waterfall', true), 1);
  t.equal(typoBudget('hobit', 'hobbit', false), 1);
  t.equal(typoBudget('1984', 'nineteen', false), 0, 'numbers are exact');
  t.equal(maxTypoBudget('qeen', false), 1);
  t.equal(maxTypoBudget('qeen', true), 0);
  t.equal(maxTypoBudget('waterfl', false), 2);
  t.equal(maxTypoBudget('tea', false), 0, 'three letters may stand for four: still none');
  const hits = [
    { term: 'queen', docs: 10 },
    { term: 'queens', docs: 4 },
    { term: 'green', docs: 30 },
  ];
  t.same(
    corrections('qeen', hits, (term) => typoBudget('qeen', term, false)).map((c) => c.term),
    ['queen'],
    'a budget per vocabulary word',
  );
  t.same(
    corrections('qeen', hits, (term) => typoBudget('qeen', term, true)),
    [],
  );
});

t.test('typo distance counts a transposition as one edit', async (t) => {
  t.equal(typoDistance('tolkein', 'tolkien'), 1);
  t.equal(typoDistance('lighthuose', 'lighthouse'), 1);
  t.equal(typoDistance('hobit', 'hobbit'), 1);
  t.equal(typoDistance('ligthouze', 'lighthouse'), 2);
  t.equal(typoDistance('kitten', 'sitting'), 3);
  t.equal(typoDistance('abc', 'abc'), 0);
  t.equal(typoDistance('abcdef', 'uvwxyz', 2), 3, 'stops above the maximum');
});

t.test('every word within k edits shares a deletion variant with the query word', async (t) => {
  const vocabulary = ['lighthouse', 'tolkien', 'hobbit', 'island', 'orchard', 'garden'];
  const index = new Map<string, Set<string>>();
  for (const w of vocabulary) {
    for (const v of deletionVariants(w, w.length >= 6 ? 2 : 1)) {
      index.set(v, (index.get(v) ?? new Set()).add(w));
    }
  }
  const lookup = (q: string) => {
    const found = new Set<string>();
    for (const v of deletionVariants(q, allowedTypos(q))) for (const w of index.get(v) ?? []) found.add(w);
    return [...found].filter((w) => typoDistance(q, w, allowedTypos(q)) <= allowedTypos(q));
  };
  t.same(lookup('lighthuose'), ['lighthouse'], 'transposition');
  t.same(lookup('ligthouze'), ['lighthouse'], 'two edits');
  t.same(lookup('tolkein'), ['tolkien']);
  t.same(lookup('hobit'), ['hobbit']);
  t.same(lookup('islnd'), ['island']);
  t.same(lookup('gardn'), ['garden']);
  t.same(lookup('gard'), [], 'four letters: none');
  t.same(deletionVariants('abc', 1).sort(), ['ab', 'abc', 'ac', 'bc']);
});

t.test('corrections: closest first, then most common, never the word itself', async (t) => {
  const hits = [
    { term: 'garden', docs: 40 },
    { term: 'gardan', docs: 1 },
    { term: 'warden', docs: 90 },
    { term: 'gardens', docs: 5 },
  ];
  t.same(
    corrections('gardan', hits, 1).map((c) => c.term),
    ['garden'],
    'only within one edit',
  );
  t.same(
    corrections('garden', hits, 1).map((c) => [c.term, c.distance]),
    [
      ['warden', 1],
      ['gardens', 1],
      ['gardan', 1],
    ],
  );
  t.same(corrections('dune', [{ term: 'dude', docs: 3 }], 0), [], 'no typos allowed');
  t.equal(
    respelled(['gardan', 'tips'], () => hits),
    'garden tips',
  );
  t.equal(
    respelled(['garden'], () => hits),
    undefined,
    'a common word is kept, even near a commoner one',
  );
});

t.test('query words and the to_tsquery text built from them', async (t) => {
  t.same(queryWords("  The HOBBIT's  Ring!! 42 <b>"), ['the', 'hobbit', 's', 'ring', '42', 'b']);
  t.same(queryWords('!! -- :*'), []);
  const words = [
    { word: 'hobbit', prefix: false, corrections: ['habit'] },
    { word: 'ri', prefix: true, corrections: [] },
  ];
  t.equal(tsQueryText(words), "('hobbit' | 'habit') & 'ri':*");
  t.equal(tsQueryText(words, { typos: false, prefix: false }), "'hobbit' & 'ri'");
  t.equal(tsQueryText(words, { weights: 'A' }), "('hobbit':A | 'habit':A) & 'ri':*A");
});

t.test('facets: known names only', async (t) => {
  t.same(parseFacets('category, author,price,availability,category'), {
    facets: ['category', 'author', 'price', 'availability'],
    unknown: [],
  });
  t.same(parseFacets('colour,author'), { facets: ['author'], unknown: ['colour'] });
  t.same(parseFacets(undefined), { facets: [], unknown: [] });
});

t.test('snippets: product text escaped, only our marks become <mark>', async (t) => {
  t.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  t.equal(
    markedSnippet(`Tom & ${MARK_START}Jerry${MARK_END} <script>`),
    'Tom &amp; <mark>Jerry</mark> &lt;script&gt;',
  );
  t.equal(markedSnippet(`${MARK_START}open`), '<mark>open</mark>', 'an unclosed mark is closed');
  t.equal(markedSnippet(`${MARK_END}stray${MARK_END}`), 'stray', 'stray ends are dropped');
  t.equal(
    highlightTyped('The <Hobbit> & Co', ['the', 'hob']),
    '<mark>The</mark> &lt;<mark>Hob</mark>bit&gt; &amp; Co',
  );
});
