// The whole purchase driven by `mercato ... --json` only, against the system behind its gateway:
// an admin imports products and sets stock, a customer registers, finds a book, fills the cart,
// checks out, follows the order to CONFIRMED, downloads the invoice; the admin ships it and the
// customer sees SHIPPED. Then the exit codes of bad input, 401, 403 and 404, and the config file.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { adminClient } from '../../../test/support/client.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startSystem } from '../../../test/support/system.ts';
import { EXIT } from '../src/exit-codes.ts';
import { mercato, type Run } from './run.ts';

const system = await startSystem();
t.teardown(() => system.stop());
const work = await mkdtemp(path.join(tmpdir(), 'mercato-cli-'));
t.teardown(() => rm(work, { recursive: true, force: true }));

/** One user's shell: its own XDG config directory, the API from MERCATO_API. */
function shell(name: string) {
  const env = { XDG_CONFIG_HOME: path.join(work, name), MERCATO_API: system.gatewayUrl };
  const outputs: Run[] = [];
  const run = async (args: string[], input?: string) => {
    const r = await mercato(['--json', ...args], { env, input });
    outputs.push(r);
    return r;
  };
  return { env, run, outputs, configFile: path.join(env.XDG_CONFIG_HOME, 'mercato', 'config.json') };
}

/** Repeats a command until it exits 0 (a brand-new product takes a moment to reach the cart and search). */
async function until0(run: () => Promise<Run>, timeoutMs = 15_000): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await run();
    if (r.code === 0 || Date.now() > deadline) return r;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const tag = randomBytes(4).toString('hex');
const admin = shell('admin');
const customer = shell('customer');
const email = `cli_${tag}@mercato.test`;
const password = `Cli-${tag}-long-enough`;
let bookId = '';
let orderId = '';

t.test('the whole purchase with --json output only', async (t) => {
  // Fixtures the CLI has no command for: a category and a store.
  const api = await adminClient(system.gatewayUrl);
  t.equal((await api.post('/products/categories', { slug: `cli-${tag}`, name: 'CLI books' })).status, 201);
  t.equal((await api.post('/stores', { code: `CLI-${tag}`, name: 'CLI store' })).status, 201);

  const login = await admin.run(['login', '--email', ADMIN_EMAIL, '--password-stdin'], `${ADMIN_PASSWORD}\n`);
  t.equal(login.code, 0, login.stderr);
  t.equal(login.json.role, 'admin');

  // Import: two good rows, one the CLI refuses (bad price), one the API refuses (unknown category).
  const csv = path.join(work, 'books.csv');
  await writeFile(
    csv,
    [
      'name,category,price,currency,author,isbn,description',
      `"Hedgehogs, Gardens and Me ${tag}",cli-${tag},14.90,EUR,Ann Author,978-0-261-10221-7,"A ""quoted"" tale"`,
      `Second Book ${tag},cli-${tag},9.50,EUR,Bob Writer,978-0-261-10222-4,`,
      `Cheap Book ${tag},cli-${tag},free,EUR,Nobody,,`,
      `Lost Book ${tag},no-such-category-${tag},5.00,EUR,Nobody,978-0-261-10223-1,`,
    ].join('\n'),
  );
  const imported = await admin.run(['products', 'import', csv]);
  t.equal(imported.code, EXIT.PARTIAL, 'exit 9: some rows failed');
  t.equal(imported.json.created, 2);
  t.equal(imported.json.failed, 2);
  t.same(
    imported.json.failures.map((f: any) => f.line),
    [4, 5],
    'the failed rows named by their line in the file',
  );
  t.match(imported.json.failures[0].error, /price/);
  t.ok(
    imported.json.failures[1].status >= 400,
    `the API's answer for line 5: ${imported.json.failures[1].error}`,
  );
  bookId = imported.json.products[0].id;
  t.equal(imported.json.products[0].name, `Hedgehogs, Gardens and Me ${tag}`, 'quoted CSV fields');

  // inventory hears of a new product from catalog's events: a moment later.
  const stock = await until0(() => admin.run(['stock', 'set', bookId, '10', '--store', `CLI-${tag}`]));
  t.equal(stock.code, 0, stock.stderr);
  t.equal(stock.json.onHand, 10);
  const restock = await admin.run(['stock', 'set', bookId, '12', '--store', `CLI-${tag}`]);
  t.equal(restock.code, 0, restock.stderr);
  t.equal(restock.json.onHand, 12, 'an existing stock row is updated (If-Match)');

  // The customer.
  const registered = await customer.run(
    ['register', '--email', email, '--username', `cli_${tag}`, '--password-stdin'],
    password,
  );
  t.equal(registered.code, 0, registered.stderr);
  const signedIn = await customer.run(['login', '--email', email, '--password-stdin'], password);
  t.equal(signedIn.code, 0, signedIn.stderr);
  t.equal(signedIn.json.email, email);
  const address = await customer.run([
    'address-add',
    '--street',
    '1 Market Street',
    '--city',
    'Berlin',
    '--postal-code',
    '10115',
    '--country',
    'DE',
  ]);
  t.equal(address.code, 0, address.stderr);

  const found = await until0(async () => {
    const r = await customer.run(['products', 'search', `hedgehogs ${tag}`]);
    return r.code === 0 && r.json.items.some((p: any) => p.id === bookId) ? r : { ...r, code: r.code || 1 };
  });
  t.equal(found.code, 0, 'the book is found');
  t.equal(found.json.items.find((p: any) => p.id === bookId).price.amount, '14.90');

  const added = await until0(() => customer.run(['cart', 'add', bookId, '--quantity', '2']));
  t.equal(added.code, 0, added.stderr);
  t.same(
    added.json.lines.map((l: any) => [l.productId, l.quantity]),
    [[bookId, 2]],
  );
  const shown = await customer.run(['cart', 'show']);
  t.equal(shown.json.total.amount, '29.80', 'exact money: 2 × 14.90');

  const checkout = await customer.run(['checkout', '--card', 'tok_visa']);
  t.equal(checkout.code, 0, checkout.stderr);
  orderId = checkout.json.id;
  t.ok(orderId, 'an order');

  const confirmed = await customer.run([
    'orders',
    'watch',
    orderId,
    '--until',
    'CONFIRMED',
    '--interval',
    '200',
    '--timeout',
    '30',
  ]);
  t.equal(confirmed.code, 0, confirmed.stderr);
  t.equal(confirmed.json.to, 'CONFIRMED', 'the last line is the change to CONFIRMED');
  t.ok(confirmed.lines.length >= 2, 'one JSON line per change');

  const invoices = await until0(async () => {
    const r = await customer.run(['invoices', 'list', '--order', orderId]);
    return r.code === 0 && r.json.items.length === 1 ? r : { ...r, code: r.code || 1 };
  });
  t.equal(invoices.code, 0, 'the invoice was issued');
  const invoiceId = invoices.json.items[0].id;
  const pdfFile = path.join(work, 'invoice.pdf');
  const invoice = await customer.run(['invoices', 'get', invoiceId, '--pdf', pdfFile]);
  t.equal(invoice.code, 0, invoice.stderr);
  t.equal(invoice.json.total.amount, '29.80');
  const pdf = await readFile(pdfFile);
  t.equal(pdf.subarray(0, 5).toString(), '%PDF-', 'a PDF');
  t.equal(invoice.json.pdf.bytes, pdf.length);

  const shipped = await admin.run(['orders', 'ship', orderId]);
  t.equal(shipped.code, 0, shipped.stderr);
  t.equal(shipped.json.status, 'SHIPPED');
  const seen = await customer.run(['orders', 'watch', orderId, '--until', 'SHIPPED', '--timeout', '10']);
  t.equal(seen.code, 0);
  t.equal(seen.json.to, 'SHIPPED');
  const listed = await customer.run(['orders', 'list']);
  t.same(
    listed.json.items.map((o: any) => [o.id, o.status]),
    [[orderId, 'SHIPPED']],
  );

  const users = await admin.run(['users', 'list', '--email', `cli_${tag}`]);
  t.equal(users.code, 0);
  t.same(
    users.json.items.map((u: any) => u.email),
    [email],
  );
});

t.test('config and tokens: XDG directory, mode 600, never printed', async (t) => {
  const info = await stat(customer.configFile);
  t.equal(info.mode & 0o777, 0o600, 'config.json is 600');
  t.equal((await stat(path.dirname(customer.configFile))).mode & 0o777, 0o700, 'its folder is 700');
  const config = JSON.parse(await readFile(customer.configFile, 'utf8'));
  const session = config.sessions[system.gatewayUrl];
  t.ok(session.accessToken && session.refreshToken, 'the session is kept per API');
  for (const who of [admin, customer]) {
    const file = JSON.parse(await readFile(who.configFile, 'utf8')).sessions[system.gatewayUrl];
    for (const r of who.outputs) {
      for (const secret of [file.accessToken, file.refreshToken]) {
        t.notOk(r.stdout.includes(secret) || r.stderr.includes(secret), 'no token in any output');
      }
    }
  }
  const shown = await customer.run(['config', 'show']);
  t.same(shown.json, {
    api: system.gatewayUrl,
    defaultApi: null,
    file: customer.configFile,
    signedIn: true,
    email,
  });
});

t.test('exit codes: bad input 2, 401 → 3, 403 → 4, 404 → 5', async (t) => {
  const none = '01900000-0000-7000-8000-000000000000';
  // Bad input: refused before any request.
  for (const args of [
    ['orders', 'show', 'not-a-uuid'],
    ['cart', 'add', bookId, '--quantity', '0'],
    ['checkout'],
    ['orders', 'watch', none, '--until', 'LOST'],
    ['products', 'import', path.join(work, 'missing.csv')],
    ['no-such-command'],
    ['--api', 'ftp://example.com', 'products', 'search', 'x'],
  ]) {
    const r = await customer.run(args);
    t.equal(r.code, EXIT.USAGE, `${args.join(' ')} → 2`);
    t.equal(r.stdout, '', 'nothing on stdout');
  }
  // A 400 from the API is bad input too.
  const tooLong = await customer.run(['products', 'search', 'x'.repeat(300)]);
  t.equal(tooLong.code, EXIT.USAGE, 'API 400 → 2');
  t.equal(JSON.parse(tooLong.stderr).error.status, 400, 'the problem on stderr as JSON');

  // 404
  const missing = await customer.run(['orders', 'show', none]);
  t.equal(missing.code, EXIT.NOT_FOUND, 'unknown order → 5');
  t.equal(JSON.parse(missing.stderr).error.slug, 'not-found');
  t.equal((await customer.run(['products', 'show', none])).code, EXIT.NOT_FOUND, 'unknown product → 5');
  t.equal((await customer.run(['cart', 'remove', none])).code, EXIT.NOT_FOUND, 'no such line → 5');

  // 403: an admin command as a customer.
  const forbidden = await customer.run(['users', 'list']);
  t.equal(forbidden.code, EXIT.FORBIDDEN, 'customer → users list → 4');

  // 401: not signed in, a session the server refuses, after logout.
  const stranger = shell('stranger');
  const anonymous = await stranger.run(['cart', 'show']);
  t.equal(anonymous.code, EXIT.AUTH, 'never signed in → 3');
  const wrong = await stranger.run(['login', '--email', email, '--password-stdin'], 'wrong-password');
  t.equal(wrong.code, EXIT.AUTH, 'wrong password → 3');
  await mkdir(path.join(stranger.env.XDG_CONFIG_HOME, 'mercato'), { recursive: true });
  await writeFile(
    path.join(stranger.env.XDG_CONFIG_HOME, 'mercato', 'config.json'),
    JSON.stringify({
      sessions: {
        [system.gatewayUrl]: {
          accessToken: 'forged.token.here',
          refreshToken: 'forged',
          accessExpiresAt: Date.now() + 600_000,
          refreshExpiresAt: Date.now() + 600_000,
        },
      },
    }),
    { mode: 0o600 },
  );
  const forged = await stranger.run(['orders', 'list']);
  t.equal(forged.code, EXIT.AUTH, 'a token the server refuses → 3');
  const out = await customer.run(['logout']);
  t.equal(out.code, 0);
  t.equal(out.json.signedOut, true);
  const config = JSON.parse(await readFile(customer.configFile, 'utf8'));
  t.notOk(config.sessions[system.gatewayUrl], 'the tokens are deleted');
  t.equal((await customer.run(['orders', 'show', orderId])).code, EXIT.AUTH, 'after logout → 3');
});

t.test('human output: tables, and --api beats MERCATO_API', async (t) => {
  const env = { XDG_CONFIG_HOME: path.join(work, 'human'), MERCATO_API: 'http://127.0.0.1:1' };
  const search = await mercato(['--api', system.gatewayUrl, 'products', 'search', `hedgehogs ${tag}`], {
    env,
  });
  t.equal(search.code, 0, search.stderr);
  t.match(search.stdout, /^ID\s+NAME\s+AUTHOR\s+PRICE\s+AVAILABILITY\n-+/);
  t.match(
    search.stdout,
    new RegExp(`${bookId}\\s+Hedgehogs, Gardens and Me ${tag}\\s+Ann Author\\s+14.90 EUR`),
  );
  const unreachable = await mercato(['products', 'search', 'x'], { env });
  t.equal(unreachable.code, EXIT.UNAVAILABLE, 'MERCATO_API unreachable → 8');
  t.match(unreachable.stderr, /cannot be reached/);
  // The import's report and progress for people (a dry run: every row checked, nothing sent).
  const csv = path.join(work, 'dry.csv');
  await writeFile(csv, 'name,category,price\nGood,books,1.00\n,books,2.00\nBad price,books,1.999\n');
  const dry = await mercato(['products', 'import', csv, '--dry-run'], { env });
  t.equal(dry.code, EXIT.PARTIAL, 'rows failed → 9');
  t.match(
    dry.stdout,
    /^1 of 3 rows are valid \(dry run: nothing created\)\n\nLINE\s+NAME\s+STATUS\s+ERROR\n/,
  );
  t.match(dry.stdout, /\n\s+3\s+invalid\s+missing name\n\s+4\s+Bad price\s+invalid\s+price '1.999'/);
  t.match(dry.stderr, /imported 3\/3 rows, 2 failed/, 'progress on stderr without a terminal');
  const help = await mercato(['--help'], { env });
  t.equal(help.code, 0);
  t.match(help.stdout, /Exit codes:/);
});
