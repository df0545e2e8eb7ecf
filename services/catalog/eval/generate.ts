// The judged search set (issue 15): a generated catalog of books (titles, authors, descriptions,
// categories, prices, stock, sales) and queries with the products that must appear, all from one
// seed, so every run of `npm run eval:search` and the floor test see the same data.
// Pure: no database, no service. eval/load.ts puts a catalog into a schema.

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ADJECTIVES = `silent hidden broken golden forgotten crimson distant northern burning endless secret wild
quiet bright lonely frozen midnight invisible ancient restless scarlet hollow shattered wandering drowned
painted stolen bitter gentle savage velvet silver iron glass paper winter summer autumn eternal fading
falling rising sleeping dreaming final perfect strange curious reluctant accidental impossible unfinished
ordinary remarkable infinite tangled luminous borrowed crooked emerald faithful fearless fragile generous
gilded glorious haunted honest humble innocent jealous marvellous merciful mysterious narrow obedient patient
peculiar precious quarrelsome radiant reckless rusted sacred shadowed shimmering slender solitary sorrowful
splendid stubborn sunlit tender thirsty tireless treacherous trembling untamed vanished vigilant wicked
wistful wounded yearning western eastern southern obsidian copper marble amber crystal ivory`
  .split(/\s+/)
  .filter(Boolean);

const NOUNS =
  `lighthouse garden river kingdom orchard harbor cathedral labyrinth archive mirror compass lantern
cartographer apprentice widow alchemist orchestra vineyard observatory carousel monastery citadel meadow glacier
island forest mountain valley desert ocean tower bridge castle village city library museum theatre circus
railway station palace temple fortress canyon volcano waterfall lagoon marsh prairie tundra jungle savanna
clockmaker watchmaker beekeeper ferryman gardener lamplighter locksmith shipwright stonemason weaver
astronomer botanist cellist detective diplomat falconer governess herbalist magistrate navigator physician
sculptor smuggler translator violinist daughter sister brother mother father stranger traveller pilgrim
prisoner soldier sailor dancer painter poet queen king prince princess emperor empress heiress orphan
inheritance promise secret silence shadow storm summer thunder voyage winter wedding funeral harvest feast
festival masquerade symphony sonata requiem chronicle testament almanac atlas ledger manuscript cipher
telescope hourglass pendulum tapestry chandelier porcelain parchment keystone crossroads threshold`
    .split(/\s+/)
    .filter(Boolean);

const PLACES =
  `lisbon kyoto samarkand valparaiso edinburgh marrakesh trieste odessa zanzibar cartagena tangier
dubrovnik salzburg bergen reykjavik galway porto seville granada palermo naples venice verona florence
krakow prague vienna budapest bucharest istanbul alexandria cairo timbuktu havana montevideo quito lima
patagonia tasmania yukon alaska siberia mongolia tibet kashmir bengal ceylon sumatra borneo java malabar
provence normandy brittany flanders bavaria tyrol andalusia galicia catalonia sardinia corsica sicily crete
rhodes cyprus malta gibraltar orkney shetland hebrides cornwall yorkshire devon wessex`
    .split(/\s+/)
    .filter(Boolean);

const PROFESSIONS =
  `cartographer archivist botanist clockmaker ferryman lamplighter locksmith midwife mapmaker
perfumer bookbinder glassblower puppeteer taxidermist cryptographer lexicographer apothecary astronomer
beekeeper blacksmith cellist chemist choreographer confectioner coroner curator dressmaker engraver falconer
forger gamekeeper geologist gravedigger harpist herbalist illustrator innkeeper jeweller journalist judge
librarian linguist magician mathematician mechanic meteorologist miner missionary musician nurse organist
painter pharmacist photographer pianist pilot playwright potter printer professor restorer sculptor
shepherd shipwright stonemason surgeon surveyor tailor teacher translator vintner violinist watchmaker
weaver zoologist`
    .split(/\s+/)
    .filter(Boolean);

const OBJECTS = `letter diary map key violin painting necklace manuscript photograph compass locket telescope
pocketwatch ledger recipe seashell feather ring sword lantern music box chessboard typewriter quilt
shipwreck inheritance will portrait notebook herbarium globe hourglass pendulum tapestry chandelier
porcelain doll parchment cipher telegram postcard birdcage umbrella suitcase bicycle gramophone kaleidoscope
microscope sextant barometer almanac atlas fossil meteorite emerald sapphire ruby pearl amulet talisman
crown scepter chalice relic icon manuscript scroll tablet coin medal ribbon`
  .split(/\s+/)
  .filter(Boolean);

const THEMES = `grief love betrayal redemption memory exile war friendship ambition revenge forgiveness
loyalty courage madness obsession jealousy hope faith identity belonging freedom justice power greed
survival sacrifice loneliness family inheritance truth deception guilt innocence`
  .split(/\s+/)
  .filter(Boolean);

const FIRST_NAMES =
  `Elena Margaret Tomas Ingrid Rafael Amara Kenji Olga Mateo Siobhan Yusuf Clara Dmitri Aisha
Hugo Beatrix Lorenzo Freya Nikolai Leila Anselm Priya Casimir Odile Emeka Greta Joaquin Hana Idris Liesel
Marcus Noor Oskar Paloma Quentin Rosalind Soren Tamsin Ulrich Valentina Wendell Ximena Yannick Zofia
Adrian Bianca Cedric Dorothea Emil Fiona Gustav Helena Ivan Johanna Konrad Lucia Magnus Nadia Otto Petra
Rainer Sabine Theodor Ursula Viktor Wilhelmina Alistair Brigitte Cosmo Delphine Evander Flora Gideon
Henrietta Ignatius Juliet Leopold Matilda Nathaniel Ophelia Percival Rowena Sebastian Theodora Augustin
Cordelia Desmond Eleanor Florian Genevieve Horatio Isadora Jasper Katarina Lysander Mirabel Orlando
Penelope Roderick Seraphina Tobias Vivienne Wolfgang Anneliese Bartholomew Constance Dashiell Esmeralda`
    .split(/\s+/)
    .filter(Boolean);

const LAST_NAMES = `Holloway Marchetti Lindqvist Okonkwo Villanueva Brandt Castellanos Delacroix Eriksen
Fitzgerald Gallagher Hakimi Ivanova Jablonski Kowalczyk Lachance Montgomery Nakamura Oyelaran Petrakis
Quintero Rasmussen Sandoval Thorvaldsen Underwood Vasquez Whitcombe Yamamoto Zielinski Abernathy
Blackwood Carrington Donnelly Ellsworth Fairbanks Greenhalgh Hargreaves Inglewood Jefferson Kensington
Lockhart Merriweather Northcott Ormsby Pemberton Quigley Radcliffe Sinclair Thackeray Umberland Vandermeer
Wetherby Yardley Ashcombe Beaumont Chamberlain Davenport Everhart Fenwick Goodfellow Hawthorne Isherwood
Kingsley Langford Mortimer Nightingale Oakley Prescott Rutherford Stanhope Tennyson Wainwright Winterbourne
Achterberg Bergmann Dietrich Eisenhauer Falkenrath Grunewald Hoffmann Kessler Lindemann Mittelstadt
Oberhauser Pfeiffer Reinholdt Schuster Trautmann Vogelsang Wittenberg Zimmermann Alvarado Benavides
Cervantes Dominguez Escobar Fuentes Guerrero Herrera Iglesias Jimenez Lozano Mendoza Navarro Ortega
Pacheco Quiroga Romero Salazar Tejada Urquhart Valencia Zamora Andersson Bjornstad Dahlgren Engstrom
Fredriksson Gustafsson Hedlund Jorgensen Karlsson Lundgren Magnusson Nordstrom Oberg Petersson Sjoberg
Takahashi Watanabe Kobayashi Yoshida Matsumoto Inoue Kimura Hayashi Shimizu Morimoto Okafor Adeyemi
Babatunde Chukwu Eze Nwosu Obi Balogun Mensah Asante Boateng Owusu Darko Kamau Wanjiru Otieno Mwangi`
  .split(/\s+/)
  .filter(Boolean);

export const CATEGORIES: { slug: string; name: string }[] = [
  { slug: 'literary-fiction', name: 'Literary Fiction' },
  { slug: 'science-fiction', name: 'Science Fiction' },
  { slug: 'fantasy', name: 'Fantasy' },
  { slug: 'mystery', name: 'Mystery and Thriller' },
  { slug: 'historical-fiction', name: 'Historical Fiction' },
  { slug: 'romance', name: 'Romance' },
  { slug: 'horror', name: 'Horror' },
  { slug: 'biography', name: 'Biography and Memoir' },
  { slug: 'history', name: 'History' },
  { slug: 'travel', name: 'Travel Writing' },
  { slug: 'poetry', name: 'Poetry' },
  { slug: 'childrens', name: "Children's Books" },
  { slug: 'young-adult', name: 'Young Adult' },
  { slug: 'cookery', name: 'Food and Cookery' },
  { slug: 'nature', name: 'Nature Writing' },
  { slug: 'philosophy', name: 'Philosophy' },
  { slug: 'graphic-novels', name: 'Graphic Novels' },
  { slug: 'classics', name: 'Classics' },
];

/** Words a title's identity ignores (the English stop words a title is likely to hold). */
const STOP = new Set(
  'a an the of in on at to from and or for with by under beneath beyond before after when where who what last'.split(
    ' ',
  ),
);

export interface EvalProduct {
  id: string;
  name: string;
  author: string;
  isbn: string;
  description: string;
  category: string;
  price: string;
  active: boolean;
  availability: 'in_stock' | 'low' | 'out_of_stock';
  available: number;
  sales: number;
  /** the parts the description was built from, for description queries */
  facts: { profession: string; place: string; object: string; theme: string };
}

export type QueryKind =
  | 'exact'
  | 'typo1'
  | 'typo2'
  | 'transposition'
  | 'prefix'
  | 'author'
  | 'description'
  | 'multi'
  | 'description-typo';

export interface JudgedQuery {
  kind: QueryKind;
  q: string;
  /** products that must appear (in the top 10; the first of them first for success@1) */
  relevant: string[];
}

export const MISSPELT_KINDS: QueryKind[] = ['typo1', 'typo2', 'transposition', 'description-typo'];

export interface EvalSet {
  categories: typeof CATEGORIES;
  products: EvalProduct[];
  queries: JudgedQuery[];
}

/** A deterministic UUID (version 8 layout) from a number. */
function idOf(seed: number, n: number): string {
  const r = rng(seed * 1_000_003 + n);
  const hex = Array.from({ length: 32 }, () => Math.floor(r() * 16).toString(16));
  hex[12] = '8';
  hex[16] = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function isbn13(n: number): string {
  const body = `978${String(n).padStart(9, '0')}`;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(body[i]) * (i % 2 === 0 ? 1 : 3);
  return body + String((10 - (sum % 10)) % 10);
}

const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
const article = (w: string) => (/^[aeiou]/.test(w) ? 'an' : 'a');

export function generateEvalSet(opts: {
  products: number;
  queriesPerKind?: Partial<Record<QueryKind, number>>;
  seed?: number;
}): EvalSet {
  const seed = opts.seed ?? 15;
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

  // Authors: a few prolific, most with one or two books (Zipf-like).
  const authorCount = Math.max(20, Math.floor(opts.products / 6));
  const authors: string[] = [];
  const seenAuthors = new Set<string>();
  while (authors.length < authorCount) {
    const name = `${pick(FIRST_NAMES)} ${pick(LAST_NAMES)}`;
    if (seenAuthors.has(name)) {
      if (seenAuthors.size >= FIRST_NAMES.length * LAST_NAMES.length * 0.9) break;
      continue;
    }
    seenAuthors.add(name);
    authors.push(name);
  }
  const authorOf = () => authors[Math.min(authors.length - 1, Math.floor(authors.length * r() ** 2.2))]!;

  const titlePatterns: (() => string)[] = [
    () => `The ${cap(pick(ADJECTIVES))} ${cap(pick(NOUNS))}`,
    () => `${cap(pick(NOUNS))} of ${cap(pick(PLACES))}`,
    () => `The ${cap(pick(NOUNS))} of ${cap(pick(PLACES))}`,
    () => `${cap(pick(ADJECTIVES))} ${cap(pick(NOUNS))}`,
    () => `The ${cap(pick(NOUNS))}'s ${cap(pick(NOUNS))}`,
    () => `${pick(FIRST_NAMES)} and the ${cap(pick(ADJECTIVES))} ${cap(pick(NOUNS))}`,
    () => `A ${cap(pick(NOUNS))} in ${cap(pick(PLACES))}`,
    () => `Beneath the ${cap(pick(ADJECTIVES))} ${cap(pick(NOUNS))}`,
    () => `The Last ${cap(pick(NOUNS))} of ${cap(pick(PLACES))}`,
    () => `Letters from the ${cap(pick(ADJECTIVES))} ${cap(pick(NOUNS))}`,
    () => `The ${cap(pick(ADJECTIVES))} ${cap(pick(NOUNS))} of ${cap(pick(PLACES))}`,
    () => `${cap(pick(THEMES))} and the ${cap(pick(NOUNS))}`,
  ];
  const titleKeys = new Set<string>();
  const titleKey = (t: string) =>
    [
      ...new Set(
        t
          .toLowerCase()
          .replace(/'s\b/g, '')
          .split(/[^a-z]+/)
          .filter((w) => w && !STOP.has(w)),
      ),
    ]
      .sort()
      .join(' ');

  const products: EvalProduct[] = [];
  for (let i = 0; products.length < opts.products; i++) {
    const name = pick(titlePatterns)();
    const key = titleKey(name);
    if (titleKeys.has(key)) continue;
    titleKeys.add(key);
    const facts = {
      profession: pick(PROFESSIONS),
      place: cap(pick(PLACES)),
      object: pick(OBJECTS),
      theme: pick(THEMES),
    };
    const hero = pick(FIRST_NAMES);
    const sentences = [
      `When ${article(facts.profession)} ${facts.profession} named ${hero} finds ${article(facts.object)} ${facts.object} in ${facts.place}, ${pick(['nothing', 'everything', 'her whole life', 'his whole life', 'the family'])} ${pick(['changes', 'falls apart', 'is put to the test', 'begins again'])}.`,
      `${pick(['A', 'An unforgettable', 'A luminous', 'A gripping', 'A tender', 'A sweeping'])} ${pick(['novel', 'story', 'tale', 'saga', 'chronicle'])} of ${facts.theme} and ${pick(THEMES)}, ${pick(['set against', 'told across', 'unfolding over'])} ${pick(['three generations', 'one long summer', 'a bitter winter', 'a century', 'a single night'])}.`,
      pick([
        `Across ${pick(['the sea', 'the mountains', 'the border', 'the river'])}, ${pick(FIRST_NAMES)} waits with a ${pick(ADJECTIVES)} ${pick(NOUNS)}.`,
        `"${cap(pick(ADJECTIVES))} and ${pick(ADJECTIVES)}" — ${pick(['The Review', 'The Chronicle', 'Literary Weekly', 'The Courier'])}.`,
        `The ${pick(NOUNS)} keeps its ${pick(['secrets', 'promises', 'silence', 'distance'])} until the very end.`,
      ]),
    ];
    const u = r();
    const availability = u < 0.7 ? 'in_stock' : u < 0.85 ? 'low' : 'out_of_stock';
    const cents = Math.round(399 + r() ** 2.5 * 9000);
    products.push({
      id: idOf(seed, i),
      name,
      author: authorOf(),
      isbn: isbn13(100000 + i),
      description: sentences.join(' '),
      category: pick(CATEGORIES).slug,
      price: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
      active: r() >= 0.03,
      availability,
      available:
        availability === 'in_stock'
          ? 6 + Math.floor(r() * 80)
          : availability === 'low'
            ? 1 + Math.floor(r() * 5)
            : 0,
      sales: Math.floor(r() ** 6 * 500),
      facts,
    });
  }
  return { categories: CATEGORIES, products, queries: judgedQueries(products, seed, opts.queriesPerKind) };
}

export const DEFAULT_QUERIES_PER_KIND: Record<QueryKind, number> = {
  exact: 60,
  typo1: 40,
  typo2: 20,
  transposition: 20,
  prefix: 20,
  author: 20,
  description: 20,
  multi: 20,
  'description-typo': 10,
};

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function judgedQueries(
  products: EvalProduct[],
  seed: number,
  perKind: Partial<Record<QueryKind, number>> = {},
): JudgedQuery[] {
  const r = rng(seed + 1);
  const want = { ...DEFAULT_QUERIES_PER_KIND, ...perKind };
  const active = products.filter((p) => p.active);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const wordsOf = (s: string): string[] => s.toLowerCase().match(/[a-z]+/g) ?? [];
  const vocabulary = new Set<string>();
  for (const p of products)
    for (const w of wordsOf(`${p.name} ${p.author} ${p.description}`)) vocabulary.add(w);
  const byAuthor = new Map<string, EvalProduct[]>();
  for (const p of active) byAuthor.set(p.author, [...(byAuthor.get(p.author) ?? []), p]);
  // Books by description facts, to keep description queries specific (at most 3 books hold all).
  const factKey = (p: EvalProduct) => `${p.facts.profession}|${p.facts.place}|${p.facts.object}`;
  const byFacts = new Map<string, number>();
  for (const p of products) byFacts.set(factKey(p), (byFacts.get(factKey(p)) ?? 0) + 1);

  /** One typo: a letter changed, dropped or added (never a real word, never the first letter). */
  const typo = (w: string, kind: 'edit' | 'swap'): string | undefined => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const i = 1 + Math.floor(r() * (w.length - 1));
      let out: string;
      if (kind === 'swap') {
        if (i >= w.length - 1 || w[i] === w[i + 1]) continue;
        out = w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2);
      } else {
        const op = Math.floor(r() * 3);
        const c = pick([...LETTERS]);
        out =
          op === 0
            ? w.slice(0, i) + c + w.slice(i + 1)
            : op === 1
              ? w.slice(0, i) + w.slice(i + 1)
              : w.slice(0, i) + c + w.slice(i);
      }
      if (out !== w && !vocabulary.has(out)) return out;
    }
    return undefined;
  };
  const misspellTitle = (p: EvalProduct, minLength: number, edits: 1 | 2, kind: 'edit' | 'swap') => {
    const words = p.name.split(' ');
    const candidates = words
      .map((w, i) => ({ w: w.toLowerCase(), i }))
      .filter(({ w }) => /^[a-z]+$/.test(w) && w.length >= minLength && !STOP.has(w));
    if (candidates.length === 0) return undefined;
    const { w, i } = pick(candidates);
    let out: string | undefined = typo(w, kind);
    if (out && edits === 2) {
      const second = typo(out, 'edit');
      out = second && second !== w ? second : undefined;
    }
    if (!out) return undefined;
    return words.map((x, j) => (j === i ? out : x)).join(' ');
  };

  const queries: JudgedQuery[] = [];
  const add = (kind: QueryKind, make: () => JudgedQuery | undefined) => {
    let made = 0;
    for (let attempt = 0; made < want[kind] && attempt < want[kind] * 50; attempt++) {
      const q = make();
      if (q) {
        queries.push(q);
        made++;
      }
    }
  };
  add('exact', () => {
    const p = pick(active);
    return { kind: 'exact', q: p.name, relevant: [p.id] };
  });
  add('typo1', () => {
    const p = pick(active);
    const q = misspellTitle(p, 5, 1, 'edit');
    return q ? { kind: 'typo1', q, relevant: [p.id] } : undefined;
  });
  add('typo2', () => {
    const p = pick(active);
    const q = misspellTitle(p, 9, 2, 'edit');
    return q ? { kind: 'typo2', q, relevant: [p.id] } : undefined;
  });
  add('transposition', () => {
    const p = pick(active);
    const q = misspellTitle(p, 5, 1, 'swap');
    return q ? { kind: 'transposition', q, relevant: [p.id] } : undefined;
  });
  add('prefix', () => {
    const p = pick(active);
    const words = p.name.split(' ');
    const last = words[words.length - 1]!;
    if (words.length < 2 || last.length < 5) return undefined;
    const cut = 3 + Math.floor(r() * (last.length - 4));
    return { kind: 'prefix', q: [...words.slice(0, -1), last.slice(0, cut)].join(' '), relevant: [p.id] };
  });
  add('author', () => {
    const p = pick(active);
    const books = byAuthor.get(p.author)!;
    if (books.length > 5) return undefined;
    return { kind: 'author', q: p.author, relevant: books.map((b) => b.id) };
  });
  // Books by description word, to keep description queries specific: only the target holds all three.
  const byWord = new Map<string, Set<number>>();
  products.forEach((b, i) => {
    for (const w of wordsOf(b.description)) {
      const set = byWord.get(w) ?? new Set<number>();
      byWord.set(w, set);
      set.add(i);
    }
  });
  const descriptionQuery = (p: EvalProduct) => {
    if (byFacts.get(factKey(p))! > 1) return undefined;
    const title = new Set(wordsOf(`${p.name} ${p.author}`));
    const words = [p.facts.profession, p.facts.object, p.facts.place.toLowerCase()];
    if (words.some((w) => title.has(w) || w.includes(' '))) return undefined;
    const [a, b, c] = words.map((w) => byWord.get(w) ?? new Set<number>());
    const holders = [...a!].filter((i) => b!.has(i) && c!.has(i));
    if (holders.length !== 1) return undefined;
    return words;
  };
  add('description', () => {
    const p = pick(active);
    const words = descriptionQuery(p);
    return words ? { kind: 'description', q: words.join(' '), relevant: [p.id] } : undefined;
  });
  add('multi', () => {
    const p = pick(active);
    const words = wordsOf(p.name).filter((w) => w.length >= 4 && !STOP.has(w));
    if (words.length === 0) return undefined;
    const word = pick(words);
    const surname = p.author.split(' ')[1]!;
    // Every book with that word in its title by an author of that surname is an answer: the query
    // is kept when there are at most three.
    const answers = active.filter((b) => b.author.endsWith(` ${surname}`) && wordsOf(b.name).includes(word));
    if (answers.length > 3) return undefined;
    return { kind: 'multi', q: `${word} ${surname}`, relevant: answers.map((b) => b.id) };
  });
  add('description-typo', () => {
    const p = pick(active);
    const words = descriptionQuery(p);
    if (!words) return undefined;
    const i = words.findIndex((w) => w.length >= 6);
    if (i < 0) return undefined;
    const misspelt = typo(words[i]!, r() < 0.5 ? 'swap' : 'edit');
    if (!misspelt) return undefined;
    return {
      kind: 'description-typo',
      q: words.map((w, j) => (j === i ? misspelt : w)).join(' '),
      relevant: [p.id],
    };
  });
  return queries;
}

/** Prefixes a shopper types (2 to 8 letters of a title or an author), for the type-ahead's latency. */
export function suggestPrefixes(set: EvalSet, count: number, seed = 15): string[] {
  const r = rng(seed + 2);
  const out: string[] = [];
  const active = set.products.filter((p) => p.active);
  while (out.length < count) {
    const p = active[Math.floor(r() * active.length)]!;
    const text = r() < 0.7 ? p.name.replace(/^(The|A|An) /, '') : p.author;
    out.push(
      text
        .slice(0, 2 + Math.floor(r() * 7))
        .trim()
        .toLowerCase(),
    );
  }
  return out;
}
