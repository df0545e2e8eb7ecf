// The SMTP side: accepts every message (any AUTH or none, no TLS), parses it with mailparser and
// keeps it in the app's inbox. Started with the app, closed with it.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { fromParsed, Inbox } from '../domain/inbox.ts';

declare module 'fastify' {
  interface FastifyInstance {
    inbox: Inbox;
    /** the port the SMTP server listens on (SMTP_PORT, or the one picked for 0) */
    smtpPort: number;
  }
}

export interface SmtpOptions {
  host: string;
  port: number;
  maxMessages: number;
}

export default fp(
  async (app: FastifyInstance, opts: SmtpOptions) => {
    const inbox = new Inbox(opts.maxMessages);
    app.decorate('inbox', inbox);
    const server = new SMTPServer({
      name: 'mercato-mail-catcher',
      banner: 'Mercato mail catcher (development only)',
      // A development sink: no TLS, and whatever credentials a client sends are fine.
      disabledCommands: ['STARTTLS'],
      authOptional: true,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        callback(null, { user: auth.username ?? 'anonymous' });
      },
      onData(stream, session, callback) {
        let size = 0;
        stream.on('data', (chunk: Buffer) => {
          size += chunk.length;
        });
        simpleParser(stream)
          .then((mail) => {
            const envelope = {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
            };
            const message = fromParsed(mail, envelope, size);
            inbox.add(message);
            app.log.info({ id: message.id, to: envelope.to, subject: message.subject }, 'mail caught');
            callback();
          })
          .catch((err: Error) => callback(err));
      },
      logger: false,
    });
    server.on('error', (err) => app.log.error({ err }, 'smtp server error'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.server.address();
    app.decorate('smtpPort', typeof address === 'object' && address ? address.port : opts.port);
    app.addHook('onClose', () => new Promise<void>((resolve) => server.close(() => resolve())));
  },
  { name: 'mail-catcher-smtp' },
);
