// mercato — the Mercato API from a terminal or a script. Built on commander; every call goes
// through @mercato/sdk (token refresh, retries, Idempotency-Key, problem+json as errors).
import { Command, CommanderError } from 'commander';
import { authCommands } from './commands/auth.ts';
import { orderCommands } from './commands/orders.ts';
import { productCommands } from './commands/products.ts';
import { shoppingCommands } from './commands/shopping.ts';
import type { Action, Runner } from './commands/types.ts';
import { createContext, type GlobalOptions } from './context.ts';
import { EXIT } from './exit-codes.ts';
import { type Io, Output } from './output.ts';

export { EXIT } from './exit-codes.ts';

const EXIT_HELP = `
Exit codes:
  0  success                       5  not found (404)
  1  other failure (server error)  6  conflict or stale version (409, 412)
  2  bad input or usage (400)      7  refused by a business rule (422)
  3  not signed in (401)           8  API unreachable or overloaded (429, 502-504)
  4  not allowed (403)             9  partly done (import rows failed, watch timed out)

Environment: MERCATO_API (the API URL), MERCATO_PASSWORD (for login/register),
XDG_CONFIG_HOME (config and tokens in $XDG_CONFIG_HOME/mercato, mode 600).`;

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('mercato')
    .description('The Mercato shop from the command line: browse, buy, follow orders; admin tasks.')
    .version('0.1.0')
    .option(
      '--api <url>',
      'the API (gateway) URL; default MERCATO_API, then the config file, then http://localhost:8080',
    )
    .option('--json', 'machine-readable output on stdout (errors as JSON on stderr)')
    .addHelpText('after', EXIT_HELP)
    .showHelpAfterError('(mercato --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });

  const run: Runner =
    (action) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const globals = command.optsWithGlobals() as GlobalOptions;
      const out = new Output(io, globals.json ?? false);
      try {
        const ctx = await createContext(io, globals);
        const code = await (action as Action<unknown[]>)(ctx, ...args.slice(0, -1));
        setExit(typeof code === 'number' ? code : EXIT.OK);
      } catch (err) {
        if (err instanceof CommanderError) throw err;
        setExit(out.failure(err));
      }
    };

  authCommands(program, run);
  productCommands(program, run);
  shoppingCommands(program, run);
  orderCommands(program, run);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

/** Runs one command line (argv as process.argv: node, script, …) and returns the exit code. */
export async function main(
  argv: string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env },
): Promise<number> {
  let exitCode: number = EXIT.OK;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      ) {
        return EXIT.OK;
      }
      // commander already printed what was wrong; a command group without a subcommand shows its help.
      return EXIT.USAGE;
    }
    return new Output(io, argv.includes('--json')).failure(err);
  }
}
