import { CliError, EXIT } from './exit-codes.ts';
import type { Io } from './output.ts';

/** Everything on stdin (for --password-stdin), without the final line break. */
export async function readStdin(io: Io): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin as AsyncIterable<Buffer | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks on the terminal without echoing what is typed. */
export async function promptHidden(io: Io, question: string): Promise<string> {
  const stdin = io.stdin as NodeJS.ReadStream;
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') {
    throw new CliError(
      'no password: use --password-stdin or MERCATO_PASSWORD (no terminal to ask on)',
      EXIT.USAGE,
    );
  }
  io.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      io.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new CliError('cancelled', EXIT.USAGE));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** The password: --password-stdin, else MERCATO_PASSWORD, else asked on the terminal. */
export async function readPassword(io: Io, fromStdin: boolean, question = 'Password: '): Promise<string> {
  const password = fromStdin
    ? await readStdin(io)
    : (io.env.MERCATO_PASSWORD ?? (await promptHidden(io, question)));
  if (!password) throw new CliError('the password is empty', EXIT.USAGE);
  return password;
}
