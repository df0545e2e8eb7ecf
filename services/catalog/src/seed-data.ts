// The demo catalog `npm start` seeds once (SEED_DEMO_CATALOG=true): a few categories, books with
// author and ISBN, and some other goods. Prices are exact decimal strings; every product has a
// realistic shipping weight (`weightGrams`, boxed: shipping prices parcels by it). The books weigh
// what scripts/seed.ts gives the same titles.
import type { ProductInput } from './domain/product-rules.ts';

export const demoCategories: { slug: string; name: string }[] = [
  { slug: 'books', name: 'Books' },
  { slug: 'electronics', name: 'Electronics' },
  { slug: 'games', name: 'Games' },
  { slug: 'stationery', name: 'Stationery' },
];

const book = (
  name: string,
  author: string,
  isbn: string,
  amount: string,
  description: string,
  extra: Record<string, string | number> = {},
): ProductInput => ({
  name,
  description,
  category: 'books',
  price: { amount, currency: 'EUR' },
  attributes: { author, isbn, ...extra },
  active: true,
});

export const demoProducts: ProductInput[] = [
  book('The Hobbit', 'J. R. R. Tolkien', '978-0-261-10221-7', '12.99', 'Bilbo Baggins leaves the Shire.', {
    pages: 310,
    weightGrams: 340,
  }),
  book('Dune', 'Frank Herbert', '978-0-441-17271-9', '10.99', 'Spice, sandworms and politics on Arrakis.', {
    pages: 617,
    weightGrams: 420,
  }),
  book('Nineteen Eighty-Four', 'George Orwell', '978-0-451-52493-5', '9.49', 'Big Brother is watching you.', {
    weightGrams: 290,
  }),
  book(
    'Pride and Prejudice',
    'Jane Austen',
    '978-0-14-143951-8',
    '7.99',
    'Elizabeth Bennet meets Mr Darcy.',
    {
      weightGrams: 310,
    },
  ),
  book(
    'Foundation',
    'Isaac Asimov',
    '978-0-553-29335-7',
    '8.99',
    'Psychohistory and the fall of an empire.',
    {
      weightGrams: 250,
    },
  ),
  book(
    'The Catcher in the Rye',
    'J. D. Salinger',
    '978-0-316-76948-8',
    '9.99',
    'Holden Caulfield in New York.',
    { weightGrams: 320 },
  ),
  book('The Alchemist', 'Paulo Coelho', '978-0-06-231500-7', '11.50', 'A shepherd follows his dream.', {
    weightGrams: 300,
  }),
  {
    name: 'Noise-Cancelling Headphones',
    description: 'Over-ear wireless headphones with 30 hours of battery.',
    category: 'electronics',
    price: { amount: '199.00', currency: 'EUR' },
    attributes: { brand: 'Sonora', colour: 'black', weightGrams: 1150 },
    active: true,
  },
  {
    name: 'E-Reader',
    description: 'A six-inch glare-free screen for reading books anywhere.',
    category: 'electronics',
    price: { amount: '129.90', currency: 'EUR' },
    attributes: { brand: 'Pagewise', storageGb: 16, weightGrams: 650 },
    active: true,
  },
  {
    name: 'Settlers Board Game',
    description: 'Trade, build and settle an island; 3 to 4 players.',
    category: 'games',
    price: { amount: '39.95', currency: 'EUR' },
    attributes: { players: '3-4', minAge: 10, weightGrams: 1900 },
    active: true,
  },
  {
    name: 'Dotted Notebook A5',
    description: 'Hardcover notebook, 160 dotted pages.',
    category: 'stationery',
    price: { amount: '14.00', currency: 'EUR' },
    attributes: { pages: 160, weightGrams: 380 },
    active: true,
  },
];
