// Answers that belong to one user must not be kept by a browser or a shared cache: every answer to a
// request that carries credentials (Authorization) and every PDF (invoices) gets Cache-Control:
// no-store, whatever the upstream said. Here, in the one place every answer passes, so no service can
// forget it.
import fp from 'fastify-plugin';

export default fp(
  async (app) => {
    app.addHook('onSend', async (request, reply, payload) => {
      const type = String(reply.getHeader('content-type') ?? '');
      if (request.headers.authorization !== undefined || type.startsWith('application/pdf'))
        reply.header('cache-control', 'no-store');
      return payload;
    });
  },
  { name: 'gateway-no-store' },
);
