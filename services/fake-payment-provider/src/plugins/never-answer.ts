import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyReply {
    /** Leaves the request unanswered (a "timeout" card); it is cut when the app closes. */
    neverAnswer(): FastifyReply;
  }
}

export default fp(
  async (app: FastifyInstance) => {
    // Requests for a "timeout" card are never answered; they are cut when the app closes, which
    // otherwise would wait for them forever.
    const hanging = new Set<FastifyReply>();
    app.addHook('preClose', async () => {
      for (const reply of hanging) reply.raw.destroy();
      hanging.clear();
    });
    app.decorateReply('neverAnswer', function (this: FastifyReply) {
      hanging.add(this);
      this.raw.on('close', () => hanging.delete(this));
      return this.hijack();
    });
  },
  { name: 'never-answer' },
);
