import { writeFile } from 'node:fs/promises';
import { ifMatch, withETag } from '@mercato/sdk';
import type { Command } from 'commander';
import type { Ctx } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { details, money, table } from '../output.ts';
import type { Runner } from './types.ts';
import { integer, sleep, uuid } from './util.ts';

const STATUSES = ['PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const;
type Status = (typeof STATUSES)[number];
/** An order in one of these will not change again. */
export const FINAL: Status[] = ['DELIVERED', 'CANCELLED'];

function parseStatuses(value: string): Status[] {
  const list = value.split(',').map((s) => s.trim().toUpperCase());
  for (const s of list) {
    if (!(STATUSES as readonly string[]).includes(s)) {
      throw new CliError(`unknown status '${s}' (one of ${STATUSES.join(', ')})`, EXIT.USAGE);
    }
  }
  return list as Status[];
}

async function readOrder(ctx: Ctx, id: string) {
  return withETag(ctx.mercato.api.GET('/orders/{id}', { params: { path: { id } } }));
}

type Order = Awaited<ReturnType<typeof readOrder>>['data'];

function orderText(order: Order): string {
  return [
    details([
      ['order', order.id],
      ['status', order.status + (order.cancelReason ? ` (${order.cancelReason})` : '')],
      ['placed', order.createdAt],
      ['subtotal', money(order.subtotal)],
      ['total', money(order.total)],
    ]),
    '',
    table(order.lines, [
      { header: 'PRODUCT', value: (l) => l.productId },
      { header: 'NAME', value: (l) => l.name },
      { header: 'QTY', value: (l) => l.quantity, align: 'right' },
      { header: 'PRICE', value: (l) => money(l.unitPrice), align: 'right' },
      { header: 'TOTAL', value: (l) => money(l.lineTotal), align: 'right' },
    ]),
  ].join('\n');
}

export function orderCommands(program: Command, run: Runner): void {
  const orders = program.command('orders').description('orders');

  orders
    .command('list')
    .description('your orders, newest first (admins: everyone’s)')
    .option('--status <status>', 'only this status')
    .option('--page <n>', 'page', integer(1), 1)
    .option('--page-size <n>', 'orders per page', integer(1, 100), 20)
    .action(
      run(async (ctx, opts: { status?: string; page: number; pageSize: number }) => {
        await ctx.requireSession();
        const status = opts.status ? parseStatuses(opts.status)[0] : undefined;
        const { data } = await ctx.mercato.api.GET('/orders', {
          params: { query: { page: opts.page, pageSize: opts.pageSize, ...(status ? { status } : {}) } },
        });
        ctx.out.result(data, () =>
          [
            table(data?.items ?? [], [
              { header: 'ID', value: (o) => o.id },
              { header: 'STATUS', value: (o) => o.status },
              { header: 'PLACED', value: (o) => o.createdAt },
              { header: 'TOTAL', value: (o) => money(o.total), align: 'right' },
            ]),
            `${data?.total ?? 0} orders`,
          ].join('\n'),
        );
      }),
    );

  orders
    .command('show')
    .argument('<id>', 'order id', uuid)
    .description('one order with its lines')
    .action(
      run(async (ctx, id: string) => {
        await ctx.requireSession();
        const { data } = await readOrder(ctx, id);
        ctx.out.result(data, () => orderText(data));
      }),
    );

  orders
    .command('watch')
    .argument('<id>', 'order id', uuid)
    .description(
      'follow an order live: prints every status change until it is final (DELIVERED or CANCELLED, or --until); ' +
        '--json prints one JSON line per change',
    )
    .option('--until <statuses>', 'stop at any of these (comma-separated)', parseStatuses)
    .option('--interval <ms>', 'how often to look', integer(100, 60_000), 1000)
    .option('--timeout <s>', 'give up after this many seconds (exit 9)', integer(1), 3600)
    .action(
      run(async (ctx, id: string, opts: { until?: Status[]; interval: number; timeout: number }) => {
        await ctx.requireSession();
        const until = opts.until ?? FINAL;
        const deadline = Date.now() + opts.timeout * 1000;
        let shown = 0;
        for (;;) {
          const { data } = await ctx.mercato.api.GET('/orders/{id}/status', { params: { path: { id } } });
          const status = data as NonNullable<typeof data>;
          for (const change of status.history.slice(shown)) {
            ctx.out.result(
              { orderId: id, ...change },
              () => `${change.at}  ${change.from ?? '—'} -> ${change.to}  (${change.cause})`,
            );
          }
          shown = status.history.length;
          if (until.includes(status.status) || FINAL.includes(status.status)) {
            ctx.out.note(`order ${id} is ${status.status}`);
            return until.includes(status.status) ? EXIT.OK : EXIT.PARTIAL;
          }
          if (Date.now() >= deadline) {
            ctx.out.note(`order ${id} is still ${status.status} after ${opts.timeout} s`);
            return EXIT.PARTIAL;
          }
          await sleep(opts.interval);
        }
      }),
    );

  orders
    .command('ship')
    .argument('<id>', 'order id', uuid)
    .description('mark a CONFIRMED order as SHIPPED (admin)')
    .action(
      run(async (ctx, id: string) => {
        await ctx.requireSession();
        const { etag } = await readOrder(ctx, id);
        const { data } = await ctx.mercato.api.PUT('/orders/{id}', {
          params: { path: { id }, header: ifMatch(etag) as { 'if-match': string } },
          body: { status: 'SHIPPED' },
        });
        ctx.out.result(data, () => `Order ${id} is ${data?.status}.`);
      }),
    );

  const invoices = program.command('invoices').description('invoices');

  invoices
    .command('list')
    .description('your invoices, newest first')
    .option('--order <id>', 'the invoice of one order', uuid)
    .option('--page <n>', 'page', integer(1), 1)
    .action(
      run(async (ctx, opts: { order?: string; page: number }) => {
        await ctx.requireSession();
        const { data } = await ctx.mercato.api.GET('/invoices', {
          params: { query: { page: opts.page, ...(opts.order ? { orderId: opts.order } : {}) } },
        });
        ctx.out.result(data, () =>
          table(data?.items ?? [], [
            { header: 'ID', value: (i) => i.id },
            { header: 'NUMBER', value: (i) => i.number },
            { header: 'ORDER', value: (i) => i.orderId },
            { header: 'ISSUED', value: (i) => i.issuedAt },
            { header: 'TOTAL', value: (i) => money(i.total), align: 'right' },
          ]),
        );
      }),
    );

  invoices
    .command('get')
    .argument('<id>', 'invoice id', uuid)
    .description('one invoice; --pdf saves its PDF')
    .option('--pdf [file]', 'save the PDF (default: invoice-<number>.pdf)')
    .action(
      run(async (ctx, id: string, opts: { pdf?: string | boolean }) => {
        await ctx.requireSession();
        const { data: invoice } = await ctx.mercato.api.GET('/invoices/{id}', {
          params: { path: { id } },
        });
        let saved: { file: string; bytes: number } | undefined;
        if (opts.pdf) {
          const { data: pdf } = await ctx.mercato.api.GET('/invoices/{id}/pdf', {
            params: { path: { id } },
            parseAs: 'arrayBuffer',
          });
          const bytes = new Uint8Array(pdf as ArrayBuffer);
          const file = typeof opts.pdf === 'string' ? opts.pdf : `invoice-${invoice?.number ?? id}.pdf`;
          await writeFile(file, bytes);
          saved = { file, bytes: bytes.byteLength };
        }
        ctx.out.result({ ...invoice, ...(saved ? { pdf: saved } : {}) }, () =>
          [
            details([
              ['invoice', invoice?.number],
              ['id', invoice?.id],
              ['order', invoice?.orderId],
              ['issued', invoice?.issuedAt],
              ['total', money(invoice?.total)],
            ]),
            ...(saved ? [`PDF saved to ${saved.file} (${saved.bytes} bytes)`] : []),
          ].join('\n'),
        );
      }),
    );
}
