// The SMTP side: accepts every message (any AUTH or none, no TLS) and keeps its bytes in the app's
// inbox, which parses it (mailparser) when it is first read. Started with the app, closed with it.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { SMTPServer } from 'smtp-server';
import { Inbox } from '../domain/inbox.ts';

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
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', (err: Error) => callback(err));
        stream.on('end', () => {
          const envelope = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
          };
          const raw = Buffer.concat(chunks);
          const id = randomUUID();
          inbox.add({ id, receivedAt: new Date().toISOString(), envelope, raw });
          app.log.info({ id, to: envelope.to, size: raw.length }, 'mail caught');
          callback();
        });
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
