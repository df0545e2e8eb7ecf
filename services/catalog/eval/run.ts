// npm run eval:search — generates the judged set (SEARCH_EVAL_PRODUCTS books, default 100,000; the
// judged queries), loads it into a schema of its own, starts the catalog service on it in-process
// and prints quality (success@1, recall@10, MRR per kind of query) and the latency of
// /products/search and /products/suggest measured at the service. Drops the schema at the end
// (SEARCH_EVAL_KEEP=1 keeps it; SEARCH_EVAL_REUSE=1 then searches a kept schema again without
// loading it anew). SEARCH_EVAL_SHOW_FAILURES=1 lists the misses, SEARCH_EVAL_SHOW_SLOW=1 the
// slowest searches.
import { Broker } from '@mercato/messaging';
import { uniqueName } from '@mercato/testing';
import { buildApp } from '../src/app.ts';
import type { Config } from '../src/config.ts';
import { generateEvalSet, MISSPELT_KINDS, suggestPrefixes } from './generate.ts';
import {
  formatLatency,
  formatScores,
  latency,
  loadEvalSet,
  runQueries,
  runSuggest,
  score,
} from './harness.ts';

const env = process.env;
const products = Number(env.SEARCH_EVAL_PRODUCTS ?? 100_000);
const schema = env.SEARCH_EVAL_SCHEMA ?? 'eval_search';
const databaseUrl = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const amqpUrl = env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const redisUrl = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const exchange = uniqueName('eval_search_ex');

const t0 = Date.now();
const step = (what: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);

const set = generateEvalSet({ products });
step(`generated ${set.products.length} products, ${set.queries.length} judged queries`);

const config: Config = {
  HOST: '127.0.0.1',
  PORT: 0,
  LOG_LEVEL: 'warn',
  DATABASE_URL: databaseUrl,
  DATABASE_SCHEMA: schema,
  AMQP_URL: amqpUrl,
  AMQP_EXCHANGE: exchange,
  REDIS_URL: redisUrl,
  JWKS_URL: 'http://127.0.0.1:9/unused',
  CACHE_TTL_SECONDS: 600,
  SEED_DEMO_CATALOG: false,
  SHOW_STOCK_QUANTITY: true,
  SEARCH_LANGUAGE: 'english',
};

// A fresh schema every run, unless a kept one holds this very set (SEARCH_EVAL_REUSE=1).
let reuse = false;
{
  const pg = await import('pg');
  const admin = new pg.default.Client({ connectionString: databaseUrl });
  await admin.connect();
  if (env.SEARCH_EVAL_REUSE) {
    const { rows } = await admin
      .query(
        `select (select count(*) from ${schema}.product)::int as n, exists (select 1 from ${schema}.product where id = $1) as has`,
        [set.products[set.products.length - 1]!.id],
      )
      .catch(() => ({ rows: [{ n: 0, has: false }] }));
    reuse = rows[0].n === set.products.length && rows[0].has;
  }
  if (!reuse) await admin.query(`drop schema if exists ${schema} cascade`);
  await admin.end();
}
const app = await buildApp(config, { jwks: { keys: [] } });
try {
  step(`catalog service up on schema ${schema}`);
  if (!reuse) await loadEvalSet(app.orm.em.fork(), set);
  // Loaded behind the service's back (and a schema of the same name may have been cached before).
  await app.productCache.invalidatePages();
  step(reuse ? 'reused the kept schema' : 'loaded (multi-row inserts, vocabulary rebuilt, vacuum analyze)');
  const [sizes] = await app.orm.em.fork().execute(
    `select (select count(*) from product)::int as products, (select count(*) from search_term)::int as terms,
              (select count(*) from search_term_variant)::int as variants,
              pg_size_pretty(pg_total_relation_size('product')) as product_size,
              pg_size_pretty(pg_total_relation_size('search_term_variant')) as variant_size`,
  );
  step(`sizes: ${JSON.stringify(sizes)}`);

  // Warm-up (JIT, connections, plan caches) on queries that are not measured.
  for (const w of ['garden', 'lisbon', 'holloway', 'silent river', 'cartographer', 'winter', 'the', 'love']) {
    await app.inject({
      url: `/products/search?q=${w}&pageSize=10&facets=category,author,price,availability`,
    });
    await app.inject({ url: `/products/suggest?q=${w.slice(0, 3)}` });
  }

  const cold = await runQueries(app, set.queries);
  step('search: every judged query once (cache misses: each query is new to the cache)');
  const warmRun = await runQueries(app, set.queries);
  step('search: again (Redis cache hits)');
  // Broad one- and two-word queries (thousands of matches to count into facets): not judged, timed.
  // "the" is a stop word (it finds nothing, quickly); "novel" is in a fifth of the descriptions.
  const broad = [
    'the',
    'history',
    'novel',
    'garden',
    'silent',
    'winter',
    'letters',
    'ocean',
    'river',
    'secret',
    'lisbon',
    'king',
    'painter',
    'the last',
    'golden',
    'memory',
    'storm',
    'love',
    'family',
    'night',
    'summer',
    'war',
    'hope',
  ];
  // Some are warm-up words: the cache is emptied first, so every one is a miss.
  await app.productCache.invalidatePages();
  const broadRun = await runQueries(
    app,
    broad.map((q) => ({ kind: 'exact' as const, q, relevant: [] })),
  );
  step(`search: ${broad.length} broad queries`);
  const prefixes = suggestPrefixes(set, 300);
  const suggestCold = await runSuggest(app, prefixes);
  const suggestWarm = await runSuggest(app, prefixes);
  step('suggest: 300 prefixes, twice');

  console.log(
    `\n## Search quality — ${set.products.length} products, ${set.queries.length} judged queries\n`,
  );
  console.log(formatScores(score(set.queries, cold.results)));
  // A shopper who follows "did you mean" once: the misses it rescues.
  const followed = cold.results.map((r) => [...r]);
  let offered = 0;
  for (const [i, q] of set.queries.entries()) {
    const better = cold.didYouMean[i];
    if (!better || q.relevant.some((id) => cold.results[i]!.slice(0, 10).includes(id))) continue;
    offered++;
    const again = await runQueries(app, [{ ...q, q: better }]);
    followed[i] = again.results[0]!;
  }
  const withClick = score(set.queries, followed);
  console.log(
    `\nmisspelt recall@10 after following "did you mean" once (offered on ${offered} misses): ${withClick['misspelt (all)']?.recallAt10.toFixed(3)}; all: ${withClick.all?.recallAt10.toFixed(3)}`,
  );
  console.log(`\n## Latency at the service (ms; fastify inject, one request at a time)\n`);
  console.log('| route | n | p50 | p95 | p99 | max |');
  console.log('|---|---:|---:|---:|---:|---:|');
  console.log(formatLatency('/products/search (PostgreSQL: cache miss)', latency(cold.ms)));
  console.log(formatLatency('/products/search (Redis: cache hit)', latency(warmRun.ms)));
  console.log(
    formatLatency(`/products/search, ${broad.length} broad queries (cache miss)`, latency(broadRun.ms)),
  );
  console.log(formatLatency('/products/suggest (PostgreSQL: cache miss)', latency(suggestCold)));
  console.log(formatLatency('/products/suggest (Redis: cache hit)', latency(suggestWarm)));
  if (env.SEARCH_EVAL_SHOW_SLOW) {
    const slow = cold.ms.map((ms, i) => ({ ms, q: set.queries[i]! })).sort((a, b) => b.ms - a.ms);
    console.log('\n## Slowest searches\n');
    for (const s of slow.slice(0, 10)) console.log(`${s.ms.toFixed(1)} ms\t${s.q.kind}\t"${s.q.q}"`);
    console.log('\n## Broad queries\n');
    for (const [i, q] of broad.entries()) console.log(`${broadRun.ms[i]!.toFixed(1)} ms\t"${q}"`);
  }
  if (env.SEARCH_EVAL_SHOW_FAILURES) {
    // Misspelt queries whose book is not in the top 10: what came back instead.
    console.log('\n## Misspelt misses (relevant product not in the top 10)\n');
    const title = (id: string) => set.products.find((p) => p.id === id)?.name ?? id;
    set.queries.forEach((q, i) => {
      if (!(MISSPELT_KINDS as string[]).includes(q.kind)) return;
      const top = cold.results[i]!.slice(0, 10);
      if (q.relevant.every((id) => top.includes(id))) return;
      const ignored = cold.ignored[i] ? ` ignored ${JSON.stringify(cold.ignored[i])}` : '';
      console.log(
        `${q.kind}\t"${q.q}"\twant "${title(q.relevant[0]!)}"${ignored}\tgot [${top
          .slice(0, 3)
          .map((id) => `"${title(id)}"`)
          .join(', ')}${top.length > 3 ? ', …' : ''}] of ${top.length}`,
      );
    });
    console.log('\n## Misses (relevant product not first)\n');
    set.queries.forEach((q, i) => {
      if (!q.relevant.includes(cold.results[i]![0] ?? '')) {
        const rank = cold.results[i]!.findIndex((id) => q.relevant.includes(id));
        const first = set.products.find((p) => p.id === cold.results[i]![0]);
        const want = set.products.find((p) => p.id === q.relevant[0]);
        console.log(
          `${q.kind}\t"${q.q}"\trank ${rank < 0 ? '-' : rank + 1}\twant "${want?.name}"\tgot "${first?.name ?? ''}"`,
        );
      }
    });
  }
} finally {
  await app.close();
  const broker = await Broker.connect({ url: amqpUrl, exchange });
  await broker.deleteTopology();
  await broker.close();
  if (!env.SEARCH_EVAL_KEEP) {
    const pg = await import('pg');
    const admin = new pg.default.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  }
  step('done');
}
