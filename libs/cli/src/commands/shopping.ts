import { ifMatch, isProblemError } from '@mercato/sdk';
import type { Command } from 'commander';
import type { Ctx } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { details, money, table } from '../output.ts';
import type { Runner } from './types.ts';
import { integer, isUuid, uuid } from './util.ts';

type Cart = NonNullable<Awaited<ReturnType<typeof readCart>>>;

async function readCart(ctx: Ctx) {
  return (await ctx.mercato.api.GET('/carts/me')).data;
}

function cartText(cart: Cart): string {
  if (cart.lines.length === 0) return 'The cart is empty.';
  return [
    table(cart.lines, [
      { header: 'ITEM', value: (l) => l.id },
      { header: 'PRODUCT', value: (l) => l.productId },
      { header: 'NAME', value: (l) => l.name },
      { header: 'QTY', value: (l) => l.quantity, align: 'right' },
      { header: 'PRICE', value: (l) => money(l.unitPrice), align: 'right' },
      { header: 'TOTAL', value: (l) => money(l.lineTotal), align: 'right' },
      { header: 'NOTE', value: (l) => (l.flags ?? []).join(',') },
    ]),
    `total ${money(cart.total)} (${cart.itemCount} items)`,
  ].join('\n');
}

export function shoppingCommands(program: Command, run: Runner): void {
  const cart = program.command('cart').description('your cart');

  cart
    .command('show')
    .description('the lines, priced now')
    .action(
      run(async (ctx) => {
        await ctx.requireSession();
        const data = await readCart(ctx);
        ctx.out.result(data, () => cartText(data as Cart));
      }),
    );

  cart
    .command('add')
    .argument('<productId>', 'product id', uuid)
    .description('add a product (added again: the quantities add up)')
    .option('-q, --quantity <n>', 'how many', integer(1, 10_000), 1)
    .action(
      run(async (ctx, productId: string, opts: { quantity: number }) => {
        await ctx.requireSession();
        await ctx.mercato.api.POST('/carts/me/items', {
          body: { productId, quantity: opts.quantity },
        });
        const data = await readCart(ctx);
        ctx.out.result(data, () => cartText(data as Cart));
      }),
    );

  cart
    .command('remove')
    .argument('<item>', 'item id or product id', uuid)
    .description('remove a line: its item id or its product id')
    .action(
      run(async (ctx, item: string) => {
        await ctx.requireSession();
        const current = (await readCart(ctx)) as Cart;
        const line = current.lines.find((l) => l.id === item || l.productId === item);
        if (!line) throw new CliError(`no line ${item} in the cart`, EXIT.NOT_FOUND);
        await ctx.mercato.api.DELETE('/carts/me/items/{itemId}', { params: { path: { itemId: line.id } } });
        const data = await readCart(ctx);
        ctx.out.result(data, () => cartText(data as Cart));
      }),
    );

  program
    .command('checkout')
    .description('order what is in the cart and pay (an Idempotency-Key makes a retried checkout safe)')
    .requiredOption(
      '--card <token>',
      "the payment provider's card token (test cards: tok_visa, tok_declined)",
    )
    .option('--address <id>', 'shipping address id (default: your default address)', uuid)
    .option('--shipping <level>', 'standard or express: quote it and add it to the order')
    .option('--idempotency-key <key>', 'reuse this key to retry a checkout whose answer was lost')
    .action(
      run(
        async (
          ctx,
          opts: {
            card: string;
            address?: string;
            shipping?: 'standard' | 'express';
            idempotencyKey?: string;
          },
        ) => {
          await ctx.requireSession();
          if (opts.shipping && opts.shipping !== 'standard' && opts.shipping !== 'express') {
            throw new CliError(`--shipping must be standard or express, not '${opts.shipping}'`, EXIT.USAGE);
          }
          const { data: addresses } = await ctx.mercato.api.GET('/addresses', {
            params: { query: { pageSize: 100 } },
          });
          const address = opts.address
            ? addresses?.items.find((a) => a.id === opts.address)
            : (addresses?.items.find((a) => a.isDefault) ?? addresses?.items[0]);
          if (!address) {
            throw new CliError(
              opts.address ? `no address ${opts.address}` : 'no address to ship to: add one first',
              opts.address ? EXIT.NOT_FOUND : EXIT.USAGE,
            );
          }
          const current = (await readCart(ctx)) as Cart;
          if (current.lines.length === 0) throw new CliError('the cart is empty', EXIT.USAGE);
          let shipping: { quoteId: string; level: 'standard' | 'express' } | undefined;
          if (opts.shipping) {
            const { data: quote } = await ctx.mercato.api.POST('/shippings/rates', {
              body: {
                destination: { country: address.country, postalCode: address.postalCode },
                lines: current.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
              },
            });
            shipping = { quoteId: quote?.quoteId as string, level: opts.shipping };
          }
          const { data } = await ctx.mercato.api.POST('/carts/me/checkout', {
            params: { header: opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {} },
            body: {
              shippingAddressId: address.id,
              paymentMethod: { type: 'card', token: opts.card },
              cartVersion: current.version,
              ...(shipping ? { shipping } : {}),
            },
          });
          const order = data?.order;
          ctx.out.result(order, () =>
            [
              `Order ${order?.id} placed: ${order?.status}, total ${money(order?.total)}.`,
              `Follow it with: mercato orders watch ${order?.id}`,
            ].join('\n'),
          );
        },
      ),
    );

  program
    .command('addresses')
    .description('your addresses')
    .action(
      run(async (ctx) => {
        await ctx.requireSession();
        const { data } = await ctx.mercato.api.GET('/addresses', { params: { query: { pageSize: 100 } } });
        ctx.out.result(data, () =>
          table(data?.items ?? [], [
            { header: 'ID', value: (a) => a.id },
            { header: 'DEFAULT', value: (a) => (a.isDefault ? '*' : '') },
            { header: 'STREET', value: (a) => a.street },
            { header: 'CITY', value: (a) => `${a.postalCode} ${a.city}` },
            { header: 'COUNTRY', value: (a) => a.country },
          ]),
        );
      }),
    );

  program
    .command('address-add')
    .description('add a shipping address (the first one becomes the default)')
    .requiredOption('--street <street>')
    .requiredOption('--city <city>')
    .requiredOption('--postal-code <code>')
    .requiredOption('--country <CC>', 'ISO 3166-1 alpha-2, e.g. DE')
    .option('--recipient <name>')
    .action(
      run(
        async (
          ctx,
          opts: { street: string; city: string; postalCode: string; country: string; recipient?: string },
        ) => {
          await ctx.requireSession();
          const { data } = await ctx.mercato.api.POST('/addresses', {
            body: {
              street: opts.street,
              city: opts.city,
              postalCode: opts.postalCode,
              country: opts.country.toUpperCase(),
              ...(opts.recipient ? { recipient: opts.recipient } : {}),
            },
          });
          ctx.out.result(data, () => details([['address', data?.id]]));
        },
      ),
    );

  // stock set is an admin command but belongs with the shop floor.
  program
    .command('stock')
    .description('stock per product and store (admin)')
    .command('set')
    .argument('<productId>', 'product id', uuid)
    .argument('<onHand>', 'units on hand', integer(0))
    .description('set the units on hand of a product in a store (created when there is no stock row yet)')
    .requiredOption('--store <store>', 'store id or code')
    .option('--low-stock-threshold <n>', 'alert below this many units', integer(0))
    .action(
      run(
        async (
          ctx,
          productId: string,
          onHand: number,
          opts: { store: string; lowStockThreshold?: number },
        ) => {
          await ctx.requireSession();
          const storeId = await resolveStore(ctx, opts.store);
          // inventory answers 404 (not an empty page) for a product it keeps no stock of yet.
          const rows = await ctx.mercato.api
            .GET('/stocks', { params: { query: { productId, storeId } } })
            .then((r) => r.data)
            .catch((err) => {
              if (isProblemError(err, 404)) return undefined;
              throw err;
            });
          const existing = rows?.items[0];
          const threshold =
            opts.lowStockThreshold === undefined ? {} : { lowStockThreshold: opts.lowStockThreshold };
          let stock: typeof existing;
          if (existing) {
            // A change made meanwhile by someone else is a 412 (exit 6), not a lost update. GET
            // /stocks/{id} reads by product id, so the row's ETag is made from the version the list gave
            // (the services' ETag is the quoted version).
            const etag = `"${existing.version}"`;
            stock = (
              await ctx.mercato.api.PATCH('/stocks/{id}', {
                params: { path: { id: existing.id }, header: ifMatch(etag) as { 'if-match': string } },
                body: { onHand, ...threshold },
              })
            ).data;
          } else {
            stock = (
              await ctx.mercato.api.POST('/stocks', { body: { productId, storeId, onHand, ...threshold } })
            ).data;
          }
          ctx.out.result(stock, () =>
            details([
              ['stock', stock?.id],
              ['product', stock?.productId],
              ['store', stock?.storeId],
              ['on hand', stock?.onHand],
              ['reserved', stock?.reserved],
              ['available', stock?.available],
            ]),
          );
        },
      ),
    );
}

async function resolveStore(ctx: Ctx, store: string): Promise<string> {
  if (isUuid(store)) return store;
  for (let page = 1; page <= 100; page++) {
    const { data } = await ctx.mercato.api.GET('/stores', { params: { query: { page, pageSize: 100 } } });
    const found = data?.items.find((s) => s.code === store);
    if (found) return found.id;
    if (!data || page * data.pageSize >= data.total) break;
  }
  throw new CliError(`no store with the code '${store}'`, EXIT.NOT_FOUND);
}
