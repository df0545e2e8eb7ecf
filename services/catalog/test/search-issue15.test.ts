// Issue 15: typo tolerance on every field, type-ahead, ranking, facets, escaped highlighting,
// "did you mean", languages, and the cache following product events. One catalog per top-level
// test, on its own schema.
import type { OrderConfirmed } from '@mercato/contracts';
import { envelope } from '@mercato/messaging';
import { eventually, publishEvents, tapExchange } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { type Catalog, createCategory, createProduct, startCatalog } from './helpers.ts';

interface Hit {
  id: string;
  name: string;
  score: number;
  active: boolean;
  highlight: { name: string; author?: string; description: string };
}
interface FacetValue {
  value: string;
  count: number;
  selected: boolean;
  label?: string;
}
interface Answer {
  items: Hit[];
  total: number;
  q: string;
  facets: Record<string, FacetValue[]>;
  selected: Record<string, string>;
  didYouMean?: { q: string; total: number };
  ignored?: string[];
}

const ISBN = '9780261102217';

async function search(c: Catalog, qs: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await c.app.inject({ url: `/products/search?${qs}`, headers });
  if (res.statusCode !== 200) throw new Error(`search ${qs}: ${res.statusCode} ${res.body}`);
  return res.json();
}
const names = async (c: Catalog, qs: string) => (await search(c, qs)).items.map((h) => h.name);

async function book(
  c: Catalog,
  name: string,
  author: string,
  description: string,
  extra: { price?: string; category?: string; active?: boolean; attributes?: Record<string, string> } = {},
) {
  return createProduct(c, {
    name,
    description,
    category: extra.category ?? 'books',
    price: { amount: extra.price ?? '12.00', currency: 'EUR' },
    attributes: { author, isbn: ISBN, ...extra.attributes },
    active: extra.active ?? true,
  });
}

t.test('typos, prefixes, type-ahead and ranking (issue 15, test 1)', async (t) => {
  const c = await startCatalog(t);
  await createCategory(c, 'books', 'Books');
  await createCategory(c, 'fantasy', 'Fantasy Adventures');
  const hobbit = await book(c, 'The Hobbit', 'J. R. R. Tolkien', 'Bilbo Baggins leaves the Shire.', {
    category: 'fantasy',
  });
  await book(c, 'Hobbies for Rainy Days', 'Ann Crafter', 'Things to make at home.');
  const keeper = await book(
    c,
    'The Keeper',
    'Mara Stone',
    'A woman tends an old lighthouse on a remote island, alone with the storms.',
  );
  await book(c, 'Shipping News', 'Annie Proulx', 'A newspaperman in Newfoundland.', {
    attributes: { publisher: 'Scribner' },
  });
  await book(c, 'Silent Spring', 'Rachel Carson', 'Pesticides and the birds that stopped singing.');
  await book(c, 'Silent Sprint', 'Fast Runner', 'A runner trains in silence.');
  await book(c, 'Extraordinary', 'Nell Pane', 'An ordinary life.');
  await book(c, 'The Lamp', 'Olga Tokarczuk', 'A glow in the dark, and a claim.');
  await book(c, 'The Clamp', 'Ida Barber', 'A tool for the bench.');

  t.test('"lighthuose" finds the lighthouse book: typos in descriptions too', async (t) => {
    t.same(await names(c, 'q=lighthouse'), ['The Keeper']);
    t.same(await names(c, 'q=lighthuose'), ['The Keeper'], 'a transposition in a 10-letter word');
    t.same(await names(c, 'q=ligthouze'), ['The Keeper'], 'two typos in a 9-letter word');
    t.same(await names(c, 'q=tneds%20lighthouse'), ['The Keeper'], 'one typo from five letters');
    t.same(await names(c, 'q=lightohuze'), ['The Keeper'], 'two typos from nine letters');
    t.same(await names(c, 'q=lgithohuze'), [], 'never three');
    t.same(await names(c, 'q=kighthouse'), ['The Keeper'], 'a typo on the first letter counts as one');
    t.same(await names(c, 'q=scribnre'), ['Shipping News'], 'other text attributes (publisher), with a typo');
    t.same(await names(c, 'q=adventurez'), ['The Hobbit'], 'the category name, with a typo');
    t.same(await names(c, 'q=tolkein'), ['The Hobbit'], 'the author, transposed');
  });

  t.test('a misspelling that lost a letter has the typos of the word it stands for', async (t) => {
    // "tnds" (4 letters) is no word of the catalog: it may stand for "tends" (5 letters, one typo).
    const tends = await search(c, 'q=tnds%20lighthouse');
    t.same(
      tends.items.map((h) => h.name),
      ['The Keeper'],
      'a four-letter misspelling of a five-letter word',
    );
    t.match(tends.items[0]!.highlight.description, /<mark>tends<\/mark>/, 'the correction is marked');
    t.notOk(tends.ignored, 'no word left out');
    // "lighthse" (8 letters) is "lighthouse" (10) with two letters lost.
    t.same(await names(c, 'q=lighthse'), ['The Keeper'], 'two typos: the word meant has 9+ letters');
    // A word the catalog holds is a real word: its own length decides.
    t.same(await names(c, 'q=lamp'), ['The Lamp'], 'a real four-letter word is never corrected ("clamp")');
    t.same(await names(c, 'q=clmp'), ['The Clamp'], 'a four-letter misspelling of "clamp"');
    t.same(await names(c, 'q=lmap'), [], 'nor is a misspelling of a four-letter word ("lamp")');
    // "clam" begins "clamp": a word being typed, completed, not a misspelling of "claim".
    t.same(await names(c, 'q=clam'), ['The Clamp'], 'the last word while typed is a prefix, not a typo');
  });

  t.test('a word that matches nothing does not empty the result', async (t) => {
    const one = await search(c, 'q=lighthouse%20zzqxv');
    t.same(
      one.items.map((h) => h.name),
      ['The Keeper'],
      'the other words search',
    );
    t.same(one.ignored, ['zzqxv'], 'and the answer says which word was left out');
    // "strmz" is two typos from "storms" (6 letters): too many to correct, so it is left out and the
    // book is found through the other word — a short misspelt word in a multi-word query.
    const storms = await search(c, 'q=strmz%20lighthouse');
    t.same(
      storms.items.map((h) => h.name),
      ['The Keeper'],
    );
    t.same(storms.ignored, ['strmz']);
    t.same(
      await names(c, 'q=the%20keeper%20qwzx'),
      ['The Keeper'],
      'the last word, matching nothing even as a prefix',
    );
    t.same((await search(c, 'q=zzqxv%20qwzx')).items, [], 'a query of nothing but such words finds nothing');
    const inAnd = await search(c, 'q=lighthouse%20hobbit');
    t.same(inAnd.items, [], 'words of the catalog are never left out: every word must match');
    t.notOk(inAnd.ignored);
    const exact = await search(c, 'q=lighthouse%20storms');
    t.same(
      exact.items.map((h) => h.name),
      ['The Keeper'],
    );
    t.notOk(exact.ignored, 'nothing left out when every word matches');
  });

  t.test('"hob" suggests "The Hobbit"', async (t) => {
    const res = await c.app.inject({ url: '/products/suggest?q=hob' });
    t.equal(res.statusCode, 200);
    const body = res.json() as {
      suggestions: { kind: string; text: string; highlight: string; productId?: string }[];
    };
    const texts = body.suggestions.map((s) => s.text);
    t.ok(texts.includes('The Hobbit'), `suggestions: ${texts.join(', ')}`);
    t.ok(texts.includes('Hobbies for Rainy Days'));
    t.ok(body.suggestions.length <= 10);
    const hobbitSuggestion = body.suggestions.find((s) => s.text === 'The Hobbit')!;
    t.match(hobbitSuggestion, { kind: 'title', productId: hobbit.id, highlight: 'The <mark>Hob</mark>bit' });
    const author = (await c.app.inject({ url: '/products/suggest?q=tolk' })).json();
    t.match(author.suggestions, [{ kind: 'author', text: 'J. R. R. Tolkien' }], 'authors');
    const category = (await c.app.inject({ url: '/products/suggest?q=fantasy%20adv' })).json();
    t.match(
      category.suggestions,
      [{ kind: 'category', text: 'Fantasy Adventures', slug: 'fantasy' }],
      'categories',
    );
    const many = (await c.app.inject({ url: '/products/suggest?q=s' })).json();
    t.ok(many.suggestions.length <= 10, 'at most 10');
  });

  t.test('the last word matches as a prefix while typing', async (t) => {
    t.same(await names(c, 'q=the%20hobb'), ['The Hobbit', 'Hobbies for Rainy Days'], 'the whole title first');
    t.same(await names(c, 'q=lightho'), ['The Keeper']);
  });

  t.test('an exact title ranks first over a near-miss; typos never outrank exact matches', async (t) => {
    t.same(await names(c, 'q=silent%20spring'), ['Silent Spring', 'Silent Sprint']);
    t.same(await names(c, 'q=silent%20sprint'), ['Silent Sprint', 'Silent Spring']);
    const both = await search(c, 'q=keeper');
    t.equal(both.items[0]!.id, keeper.id);
  });
});

t.test('ranking: title, then author, then description; ties by availability, then sales', async (t) => {
  const c = await startCatalog(t);
  await createCategory(c, 'books', 'Books');
  const inDescription = await book(c, 'A Quiet Year', 'Ann Lee', 'A story about a whale.');
  const inAuthor = await book(c, 'Songs of the Sea', 'Tom Whale', 'Poems.');
  const inTitle = await book(c, 'Whale Song', 'Ivy Ross', 'Notes from a boat.');
  const titleIs = await book(c, 'Whale', 'Kim Park', 'A picture book.');
  t.same(
    (await search(c, 'q=whale')).items.map((h) => h.id),
    [titleIs.id, inTitle.id, inAuthor.id, inDescription.id],
  );

  // Three books equally relevant for "harbour": one in stock, one best-selling, one neither.
  const plain = await book(c, 'Harbour Lights', 'Al Ames', 'x');
  const inStock = await book(c, 'Harbour Walls', 'Al Bell', 'x');
  const bestSeller = await book(c, 'Harbour Tides', 'Al Cole', 'x');
  const tie = async () => (await search(c, 'q=harbour')).items.map((h) => h.id);
  await publishEvents(c.exchange, [
    envelope(
      'stock.levels_changed',
      {
        levels: [{ productId: inStock.id, available: 30, availability: 'in_stock', version: 1 }],
      },
      { source: 'inventory' },
    ),
    envelope<OrderConfirmed>(
      'order.confirmed',
      {
        orderId: uuidv7(),
        userId: uuidv7(),
        revision: 1,
        lines: [
          {
            itemId: uuidv7(),
            productId: bestSeller.id,
            quantity: 7,
            unitPrice: { amount: '12.00', currency: 'EUR' },
          },
        ],
        total: { amount: '84.00', currency: 'EUR' },
      },
      { source: 'orders' },
    ),
  ]);
  await eventually(async () => {
    const [row] = await c.app.orm.em
      .fork()
      .execute(
        'select (select units from product_sales where product_id = ?) as units, (select count(*)::int from product_availability) as levels',
        [bestSeller.id],
      );
    if (Number(row.units) !== 7 || row.levels !== 1) throw new Error('events not consumed yet');
  });
  t.same(await tie(), [inStock.id, bestSeller.id, plain.id], 'available first, then the best seller');
});

t.test('facets count the matches per value; a filter narrows them (issue 15, test 2)', async (t) => {
  const c = await startCatalog(t);
  await createCategory(c, 'books', 'Books');
  await createCategory(c, 'maps', 'Maps and Atlases');
  const rows = [
    ['Sea Atlas', 'Ann Ray', '8.00', 'books'],
    ['Sea Charts', 'Ann Ray', '15.00', 'maps'],
    ['Sea Songs', 'Bo Li', '15.00', 'books'],
    ['Sea Stories', 'Bo Li', '45.00', 'books'],
    ['Sea Birds', 'Cy Oz', '120.00', 'books'],
    ['Land Atlas', 'Cy Oz', '9.00', 'books'],
  ] as const;
  const ids: Record<string, string> = {};
  for (const [name, author, price, category] of rows) {
    const p = await createProduct(c, {
      name,
      description: 'about the sea and the land',
      category,
      price: { amount: price, currency: 'EUR' },
      attributes: { author, isbn: ISBN },
    });
    ids[name] = p.id;
  }
  await createProduct(c, {
    name: 'Sea Secrets',
    category: 'books',
    price: { amount: '10.00', currency: 'EUR' },
    attributes: { author: 'Ann Ray', isbn: ISBN },
    active: false,
  });
  await publishEvents(c.exchange, [
    envelope(
      'stock.levels_changed',
      {
        levels: [
          { productId: ids['Sea Atlas']!, available: 20, availability: 'in_stock', version: 1 },
          { productId: ids['Sea Songs']!, available: 2, availability: 'low', version: 1 },
        ],
      },
      { source: 'inventory' },
    ),
  ]);
  await eventually(async () => {
    const [row] = await c.app.orm.em.fork().execute('select count(*)::int as n from product_availability');
    if (row.n !== 2) throw new Error('levels not stored yet');
  });

  const answer = await search(c, 'q=sea&facets=category,author,price,availability&pageSize=100');
  // "sea" is in every description: every active product matches, the inactive one never counts.
  t.equal(answer.total, 6);
  const count = (facet: string) => Object.fromEntries(answer.facets[facet]!.map((v) => [v.value, v.count]));
  t.same(count('category'), { books: 5, maps: 1 });
  t.same(count('author'), { 'Ann Ray': 2, 'Bo Li': 2, 'Cy Oz': 2 });
  t.same(count('price'), { '0-10': 2, '10-20': 2, '20-50': 1, '100-': 1 });
  t.same(count('availability'), { in_stock: 1, low: 1, out_of_stock: 4 });
  t.equal(answer.facets.category!.find((v) => v.value === 'maps')!.label, 'Maps and Atlases');
  for (const facet of ['category', 'author', 'price', 'availability']) {
    const sum = answer.facets[facet]!.reduce((n, v) => n + v.count, 0);
    t.equal(sum, answer.total, `${facet}: the counts add up to the matches`);
    t.ok(
      answer.facets[facet]!.every((v) => !v.selected),
      `${facet}: nothing selected`,
    );
  }
  t.same(answer.selected, {});

  // Facet counts equal the number of products each value filters to.
  for (const v of answer.facets.author!) {
    const filtered = await search(c, `q=sea&author=${encodeURIComponent(v.value)}`);
    t.equal(filtered.total, v.count, `author ${v.value}`);
  }
  for (const v of answer.facets.price!) {
    t.equal((await search(c, `q=sea&priceBand=${v.value}`)).total, v.count, `price ${v.value}`);
  }
  for (const v of answer.facets.availability!) {
    t.equal((await search(c, `q=sea&availability=${v.value}`)).total, v.count, `availability ${v.value}`);
  }

  const narrowed = await search(c, 'q=sea&category=books&facets=category,author,price,availability');
  t.equal(narrowed.total, 5);
  t.same(narrowed.facets.category, [{ value: 'books', label: 'Books', count: 5, selected: true }]);
  t.same(
    Object.fromEntries(narrowed.facets.author!.map((v) => [v.value, v.count])),
    { 'Ann Ray': 1, 'Bo Li': 2, 'Cy Oz': 2 },
    'the author counts narrow with the category',
  );
  t.same(narrowed.selected, { category: 'books' }, 'the answer says what is selected');

  const two = await search(c, 'q=sea&category=books&priceBand=10-20&facets=author,price');
  t.same(
    two.items.map((h) => h.name),
    ['Sea Songs'],
  );
  t.same(two.facets.author, [{ value: 'Bo Li', count: 1, selected: false }]);
  t.same(two.facets.price, [{ value: '10-20', label: '10-20', count: 1, selected: true }]);
  t.same(two.selected, { category: 'books', priceBand: '10-20' });
  const byAuthor = await search(c, 'q=sea&author=Bo%20Li&facets=author');
  t.same(byAuthor.facets.author, [{ value: 'Bo Li', count: 2, selected: true }]);
  const stocked = await search(c, 'q=atlas&availability=in_stock&facets=availability');
  t.same(
    stocked.items.map((h) => h.name),
    ['Sea Atlas'],
  );
  t.same(stocked.facets.availability, [{ value: 'in_stock', count: 1, selected: true }]);
});

t.test('highlight snippets never carry markup from product text (issue 15, test 3)', async (t) => {
  const c = await startCatalog(t);
  await createCategory(c, 'books', 'Books');
  await book(
    c,
    'Tom & Jerry <script>alert("x")</script> Tales',
    'Eve <img src=x onerror=alert(1)> Hacker',
    `Tales of mischief: <b>bold</b> & "quoted" & 'single' <iframe src="javascript:alert(1)"> mischief fake marks.`,
  );
  for (const q of ['mischief', 'tales', 'hacker', 'alert', 'fake', 'jerry', 'quoted', 'single']) {
    const answer = await search(c, `q=${q}`);
    t.equal(answer.total, 1, q);
    for (const [field, html] of Object.entries(answer.items[0]!.highlight)) {
      const withoutMarks = html.replace(/<\/?mark>/g, '');
      t.notMatch(withoutMarks, /[<>"']/, `${q}: ${field} has no unescaped markup: ${html}`);
      t.notOk(
        [...withoutMarks].some((ch) => ch.charCodeAt(0) < 32),
        `${q}: ${field}: no control characters (markers)`,
      );
      t.equal((html.match(/<mark>/g) ?? []).length, (html.match(/<\/mark>/g) ?? []).length, 'balanced marks');
    }
  }
  const tales = (await search(c, 'q=tales')).items[0]!.highlight;
  t.match(tales.name, /<mark>Tales<\/mark>$/, 'the matched word is marked');
  t.match(tales.name, /^Tom &amp; Jerry/, 'the rest is escaped');
  t.match(tales.description, /<mark>Tales<\/mark> of mischief/);
  const typo = (await search(c, 'q=mishcief')).items[0]!.highlight;
  t.match(typo.description, /<mark>mischief<\/mark>/, 'a corrected word is highlighted where it matched');
  const suggest = (await c.app.inject({ url: '/products/suggest?q=tom' })).json();
  for (const s of suggest.suggestions)
    t.notMatch(s.highlight.replace(/<\/?mark>/g, ''), /[<>"']/, s.highlight);
});

t.test(
  'a renamed or deactivated product is found (or not) within a second of its event (test 4)',
  async (t) => {
    const c = await startCatalog(t);
    await createCategory(c, 'books', 'Books');
    const { messages } = await tapExchange(c.exchange, { pattern: 'product.*', t });
    const p = await book(c, 'Moonlit Orchard', 'Iris Vale', 'Apples at night.');
    // Warm the cache with the answers that are about to change.
    t.same(await names(c, 'q=orchard'), ['Moonlit Orchard']);
    t.same(await names(c, 'q=vineyard'), []);
    const suggestNames = async (q: string) =>
      (
        (await c.app.inject({ url: `/products/suggest?q=${q}` })).json().suggestions as { text: string }[]
      ).map((s) => s.text);
    t.same(await suggestNames('moon'), ['Moonlit Orchard']);

    const eventAt = async (n: number) => {
      await eventually(async () => {
        if (messages.length < n) throw new Error('event not yet published');
      });
      return Date.now();
    };
    const within = async (what: string, since: number, check: () => Promise<boolean>) => {
      await eventually(
        async () => {
          if (!(await check())) throw new Error(`${what}: not yet`);
        },
        { timeoutMs: 1000, intervalMs: 20 },
      );
      t.ok(Date.now() - since <= 1000, `${what} within a second of the event (${Date.now() - since} ms)`);
    };

    await eventAt(1); // product.created
    const renamed = await c.app.inject({
      method: 'PATCH',
      url: `/products/${p.id}`,
      headers: c.admin,
      payload: { name: 'Moonlit Vineyard' },
    });
    t.equal(renamed.statusCode, 200);
    const renamedAt = await eventAt(2);
    t.equal(messages[1]!.routingKey, 'product.updated');
    await within('found by the new name', renamedAt, async () =>
      (await names(c, 'q=vineyard')).includes('Moonlit Vineyard'),
    );
    await within(
      'not found by the old name',
      renamedAt,
      async () => (await names(c, 'q=orchard')).length === 0,
    );
    await within('suggested by the new name', renamedAt, async () =>
      (await suggestNames('moon')).includes('Moonlit Vineyard'),
    );
    await within('typo-tolerant on the new word', renamedAt, async () =>
      (await names(c, 'q=vinyeard')).includes('Moonlit Vineyard'),
    );

    const off = await c.app.inject({
      method: 'PATCH',
      url: `/products/${p.id}`,
      headers: c.admin,
      payload: { active: false },
    });
    t.equal(off.statusCode, 200);
    const offAt = await eventAt(3);
    await within(
      'a deactivated product is gone for customers',
      offAt,
      async () => (await names(c, 'q=vineyard')).length === 0,
    );
    await within('and from type-ahead', offAt, async () => (await suggestNames('moon')).length === 0);
    t.same(
      (await search(c, 'q=vineyard&active=false', c.admin)).items.map((h) => h.name),
      ['Moonlit Vineyard'],
      'an admin still finds it',
    );
  },
);

t.test('bad input is a 4xx problem+json, never a 5xx (issue 15, test 5)', async (t) => {
  const c = await startCatalog(t);
  await createCategory(c, 'books', 'Books');
  await book(c, 'The Hobbit', 'J. R. R. Tolkien', 'A hobbit.');
  const cases: [string, number][] = [
    ['/products/search', 400],
    ['/products/search?q=', 400],
    ['/products/search?q=%20%20%20', 400],
    ['/products/search?q=%21%21%20%2D%2D', 400], // "!! --": no word in it
    [`/products/search?q=${'a'.repeat(1000)}`, 400],
    [`/products/search?q=${encodeURIComponent('lorem ipsum '.repeat(84))}`, 400],
    ['/products/search?q=hobbit&facets=category,colour', 400],
    ['/products/search?q=hobbit&facets=%3Cscript%3E', 400],
    ['/products/search?q=hobbit&priceBand=5-7', 400],
    ['/products/search?q=hobbit&availability=plenty', 400],
    ['/products/search?q=hobbit&author=', 400],
    ['/products/search?q=hobbit&pageSize=1000', 400],
    ['/products/suggest', 400],
    ['/products/suggest?q=', 400],
    ['/products/suggest?q=%27%26%7C%21%3A*', 400], // "'&|!:*": tsquery syntax, no word
    [`/products/suggest?q=${'b'.repeat(1000)}`, 400],
    ['/products/suggest?q=hob&x=1', 400],
  ];
  for (const [url, status] of cases) {
    const res = await c.app.inject({ url });
    t.equal(res.statusCode, status, url.slice(0, 80));
    t.match(res.headers['content-type'], /application\/problem\+json/, url.slice(0, 80));
    t.match(res.json(), { type: String, status, detail: String });
  }
  const unknown = await c.app.inject({ url: '/products/search?q=hobbit&facets=category,colour' });
  t.match(unknown.json(), { detail: /unknown facet "colour"/, unknownFacets: ['colour'] });
  const badToken = await c.app.inject({
    url: '/products/search?q=hobbit',
    headers: { authorization: 'Bearer nonsense' },
  });
  t.equal(badToken.statusCode, 401, 'a token, when sent, must be valid');
  // Text that means something to tsquery or SQL is just text.
  for (const q of [
    "hob'bit",
    'hobbit & | ! :* <-> ()',
    "'; drop table product; --",
    'ho\\bbit',
    '😀 hobbit',
    'hobbit:*A',
  ]) {
    const res = await c.app.inject({ url: `/products/search?q=${encodeURIComponent(q)}` });
    t.equal(res.statusCode, 200, q);
    const s = await c.app.inject({ url: `/products/suggest?q=${encodeURIComponent(q)}` });
    t.equal(s.statusCode, 200, `suggest ${q}`);
  }
  t.same(await names(c, `q=${encodeURIComponent('hobbit & | ! :* <-> ()')}`), ['The Hobbit']);
});

t.test('"did you mean" when a query finds few and a close spelling finds more', async (t) => {
  const c = await startCatalog(t);
  await createCategory(c, 'books', 'Books');
  for (const n of ['Red', 'White', 'Wild', 'Tea']) await book(c, `Rose ${n}`, 'Ann Bloom', 'Flowers.');
  await book(c, 'Rase Notes', 'Ed Marsh', 'A rare word.');
  const answer = await search(c, 'q=rase');
  t.same(
    answer.items.map((h) => h.name),
    ['Rase Notes'],
    '"rase" is a word of the catalog: matched exactly',
  );
  t.same(answer.didYouMean, { q: 'rose', total: 4 }, 'the common close spelling is offered');
  const two = await search(c, 'q=rase%20notes');
  t.notOk(two.didYouMean, '"rose notes" would find nothing more');
  const none = await search(c, 'q=flowrs');
  t.equal(none.total, 4, 'one typo in six letters is corrected, no suggestion needed');
  t.notOk(none.didYouMean);
  const plenty = await search(c, 'q=rose');
  t.notOk(plenty.didYouMean, 'enough results: no suggestion');
});

t.test('language: German stemming and stop words (SEARCH_LANGUAGE=german)', async (t) => {
  const de = await startCatalog(t, { SEARCH_LANGUAGE: 'german' });
  await createCategory(de, 'buecher', 'Bücher');
  const mk = (name: string, author: string, description: string) =>
    createProduct(de, {
      name,
      description,
      category: 'buecher',
      price: { amount: '10.00', currency: 'EUR' },
      attributes: { author },
    });
  await mk('Die Häuser am Fluss', 'Anna Berger', 'Eine Geschichte über alte Häuser und ihre Bewohner.');
  await mk('Der Leuchtturm', 'Karl Meier', 'Ein Wärter und seine Leuchttürme an der Küste.');
  const n = async (q: string) => (await search(de, `q=${encodeURIComponent(q)}`)).items.map((h) => h.name);
  t.same(await n('haus'), ['Die Häuser am Fluss'], 'stemming: Haus finds Häuser');
  t.same(await n('leuchttürmen'), ['Der Leuchtturm'], 'Leuchttürmen finds Leuchtturm');
  t.same(await n('die'), [], '"die" is a German stop word');
  t.same(await n('leuchturm'), ['Der Leuchtturm'], 'typos as in English');
  t.same((await n('bücher')).sort(), ['Der Leuchtturm', 'Die Häuser am Fluss'], 'the category name');

  const en = await startCatalog(t);
  await createCategory(en, 'buecher', 'Bücher');
  await createProduct(en, {
    name: 'Die Häuser am Fluss',
    category: 'buecher',
    price: { amount: '10.00', currency: 'EUR' },
  });
  t.same((await search(en, 'q=haus')).items, [], 'English stemming does not know German plurals');
  t.same((await search(en, 'q=die')).items.length, 1, '"die" is no English stop word');
});
