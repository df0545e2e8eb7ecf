// A development mail catcher (like MailDev or Mailpit; maildev does not install here): every e-mail
// sent to its SMTP port is kept in memory and shown in a small web inbox, with a JSON API for
// scripts. For local runs (`npm start`) and development clusters only: it delivers nothing.
import type { App } from '@mercato/kit';
import { buildService } from '@mercato/service';
import type { Config } from './config.ts';
import smtp from './plugins/smtp.ts';
import inboxRoutes from './routes/inbox/index.ts';
import messagesRoutes from './routes/messages/index.ts';

export async function buildApp(
  config: Pick<Config, 'LOG_LEVEL' | 'HOST' | 'SMTP_PORT' | 'MAX_MESSAGES'>,
): Promise<App> {
  return buildService({
    name: 'mail-catcher',
    config,
    // A developer's tool: no tokens of ours, nothing kept outside the process.
    auth: false,
    redis: false,
    openapi: { title: 'Mail catcher', description: 'The e-mail sent over SMTP, caught for development' },
    async setup({ app }) {
      await app.register(smtp, {
        host: config.HOST,
        port: config.SMTP_PORT,
        maxMessages: config.MAX_MESSAGES,
      });
      await app.register(inboxRoutes);
      await app.register(messagesRoutes, { prefix: '/messages' });
    },
  });
}
