import type { Command } from 'commander';
import { details, money, table } from '../output.ts';
import { importProducts } from './import.ts';
import type { Runner } from './types.ts';
import { integer, uuid } from './util.ts';

export function productCommands(program: Command, run: Runner): void {
  const products = program.command('products').description('the catalog');

  products
    .command('search <query>')
    .description('full-text search (tolerant of typos)')
    .option('--category <slug>', 'only this category')
    .option('--page <n>', 'page', integer(1), 1)
    .option('--page-size <n>', 'results per page', integer(1, 100), 20)
    .action(
      run(async (ctx, q: string, opts: { category?: string; page: number; pageSize: number }) => {
        const { data } = await ctx.mercato.api.GET('/products/search', {
          params: {
            query: {
              q,
              page: opts.page,
              pageSize: opts.pageSize,
              ...(opts.category ? { category: opts.category } : {}),
            },
          },
        });
        ctx.out.result(data, () =>
          [
            table(data?.items ?? [], [
              { header: 'ID', value: (p) => p.id },
              { header: 'NAME', value: (p) => p.name },
              { header: 'AUTHOR', value: (p) => (p.attributes as { author?: string } | undefined)?.author },
              { header: 'PRICE', value: (p) => money(p.price), align: 'right' },
              { header: 'AVAILABILITY', value: (p) => p.availability?.status },
            ]),
            `${data?.total ?? 0} found`,
          ].join('\n'),
        );
      }),
    );

  products
    .command('show')
    .argument('<id>', 'product id', uuid)
    .description('one product')
    .action(
      run(async (ctx, id: string) => {
        const { data: p } = await ctx.mercato.api.GET('/products/{id}', {
          params: { path: { id } },
        });
        ctx.out.result(p, () =>
          details([
            ['id', p?.id],
            ['name', p?.name],
            ['category', p?.category],
            ['price', money(p?.price)],
            ['attributes', p?.attributes],
            ['active', p?.active],
            ['description', p?.description],
          ]),
        );
      }),
    );

  products
    .command('import <file>')
    .description(
      'create products from a CSV file (admin): header name,category,price,currency[,description,author,isbn,active,…]; ' +
        'other columns become attributes',
    )
    .option('--dry-run', 'check every row, create nothing')
    .option('--concurrency <n>', 'rows sent at once', integer(1, 16), 4)
    .action(
      run(async (ctx, file: string, opts: { dryRun?: boolean; concurrency: number }) => {
        return importProducts(ctx, file, opts);
      }),
    );
}
