// npm run eval:recommendations [-- --products N --orders N --customers N --seed N]
// Generates a purchase history with planted structure, trains on the first 80 % by time and prints
// hit rate@10 and coverage on the last 20 %: the service's model against the baselines.
import { parseArgs } from 'node:util';
import { evaluate, formatTable } from './evaluate.ts';
import { generate } from './generate.ts';

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '2000' },
    orders: { type: 'string', default: '50000' },
    customers: { type: 'string', default: '8000' },
    seed: { type: 'string', default: '16' },
  },
});
const opts = {
  products: Number(values.products),
  orders: Number(values.orders),
  customers: Number(values.customers),
  seed: Number(values.seed),
};
const started = performance.now();
const data = generate(opts);
const scores = evaluate(data);
const [, , cosine] = scores;
console.log(
  `# ${opts.products} products, ${opts.orders} orders, ${opts.customers} customers, seed ${opts.seed}: ` +
    `train ${Math.floor(opts.orders * 0.8)} orders, test ${opts.orders - Math.floor(opts.orders * 0.8)}; ` +
    `asks: bought together ${cosine?.boughtTogether.asks}, for you ${cosine?.forYou.asks}`,
);
console.log(formatTable(scores));
console.log(`# ${((performance.now() - started) / 1000).toFixed(1)} s`);
