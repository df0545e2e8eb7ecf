import type { Command } from 'commander';
import { EXIT } from '../exit-codes.ts';
import { details, table } from '../output.ts';
import { readPassword } from '../prompt.ts';
import type { Runner } from './types.ts';
import { integer } from './util.ts';

export function authCommands(program: Command, run: Runner): void {
  program
    .command('login')
    .description('sign in (the tokens go to the config file, mode 600, and are never printed)')
    .requiredOption('-e, --email <email>', 'your e-mail address')
    .option('--password-stdin', 'read the password from standard input (else MERCATO_PASSWORD, else asked)')
    .action(
      run(async (ctx, opts: { email: string; passwordStdin?: boolean }) => {
        const password = await readPassword(ctx.io, opts.passwordStdin ?? false);
        await ctx.mercato.auth.login(opts.email, password);
        const { data: me } = await ctx.mercato.api.GET('/auth/me');
        await ctx.config.rememberEmail(ctx.api, opts.email);
        ctx.out.result(
          { id: me?.id, email: me?.email, role: me?.role, api: ctx.api },
          () => `Signed in to ${ctx.api} as ${me?.email} (${me?.role}).`,
        );
      }),
    );

  program
    .command('logout')
    .description('sign out: the session ends on the server and the tokens are deleted')
    .action(
      run(async (ctx) => {
        const had = await ctx.tokens.get();
        await ctx.mercato.auth.logout();
        ctx.out.result({ signedOut: Boolean(had), api: ctx.api }, () =>
          had ? `Signed out of ${ctx.api}.` : `Not signed in to ${ctx.api}.`,
        );
      }),
    );

  program
    .command('register')
    .description('create an account (then `mercato login`)')
    .requiredOption('-e, --email <email>', 'e-mail address')
    .requiredOption('-u, --username <name>', '3 to 32 letters, digits, ".", "_" or "-"')
    .option('-n, --name <name>', 'your name')
    .option('--password-stdin', 'read the password from standard input (else MERCATO_PASSWORD, else asked)')
    .action(
      run(async (ctx, opts: { email: string; username: string; name?: string; passwordStdin?: boolean }) => {
        const password = await readPassword(ctx.io, opts.passwordStdin ?? false, 'Choose a password: ');
        await ctx.mercato.auth.register({
          email: opts.email,
          username: opts.username,
          password,
          ...(opts.name ? { name: opts.name } : {}),
        });
        ctx.out.result(
          { registered: true, email: opts.email },
          () => `Registered ${opts.email}. Sign in with: mercato login --email ${opts.email}`,
        );
      }),
    );

  program
    .command('whoami')
    .description('the signed-in user')
    .action(
      run(async (ctx) => {
        await ctx.requireSession();
        const { data: me } = await ctx.mercato.api.GET('/auth/me');
        ctx.out.result(me, () =>
          details([
            ['id', me?.id],
            ['email', me?.email],
            ['username', me?.username],
            ['role', me?.role],
            ['api', ctx.api],
          ]),
        );
      }),
    );

  const users = program.command('users').description('users (admin)');
  users
    .command('list')
    .description('list users')
    .option('--role <role>', 'customer or admin')
    .option('--email <part>', 'e-mail contains')
    .option('--page <n>', 'page', integer(1), 1)
    .option('--page-size <n>', 'users per page', integer(1, 100), 20)
    .action(
      run(
        async (
          ctx,
          opts: { role?: 'customer' | 'admin'; email?: string; page: number; pageSize: number },
        ) => {
          await ctx.requireSession();
          const { data } = await ctx.mercato.api.GET('/users', {
            params: {
              query: {
                page: opts.page,
                pageSize: opts.pageSize,
                ...(opts.role ? { role: opts.role } : {}),
                ...(opts.email ? { email: opts.email } : {}),
              },
            },
          });
          ctx.out.result(data, () =>
            [
              table(data?.items ?? [], [
                { header: 'ID', value: (u) => u.id },
                { header: 'EMAIL', value: (u) => u.email },
                { header: 'USERNAME', value: (u) => u.username },
                { header: 'ROLE', value: (u) => u.role },
                { header: 'ACTIVE', value: (u) => (u.active ? 'yes' : 'no') },
              ]),
              `page ${data?.page} of ${Math.max(1, Math.ceil((data?.total ?? 0) / (data?.pageSize ?? 1)))}, ${data?.total} users`,
            ].join('\n'),
          );
        },
      ),
    );

  const config = program.command('config').description('settings in $XDG_CONFIG_HOME/mercato/config.json');
  config
    .command('show')
    .description('the API in use and where the config lives (never the tokens)')
    .action(
      run(async (ctx) => {
        const file = await ctx.config.read();
        const session = await ctx.tokens.get();
        const info = {
          api: ctx.api,
          defaultApi: file.api ?? null,
          file: ctx.config.file,
          signedIn: Boolean(session),
          email: (await ctx.tokens.email()) ?? null,
        };
        ctx.out.result(info, () =>
          details([
            ['api', info.api],
            ['default api', info.defaultApi ?? '(none: http://localhost:8080)'],
            ['config file', info.file],
            ['signed in', info.signedIn ? `yes${info.email ? ` (${info.email})` : ''}` : 'no'],
          ]),
        );
      }),
    );
  config
    .command('set-api <url>')
    .description('the API to use when neither --api nor MERCATO_API is given')
    .action(
      run(async (ctx, url: string) => {
        const parsed = new URL(url);
        const api = parsed.href.replace(/\/+$/, '');
        await ctx.config.update((c) => {
          c.api = api;
        });
        ctx.out.result({ api }, () => `Default API: ${api}`);
        return EXIT.OK;
      }),
    );
}
