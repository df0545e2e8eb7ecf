import type { App } from '@mercato/kit';
import { OptionalIdempotencyHeaders, RefundBody } from './schemas.ts';
import { refundAnswer } from './view.ts';

export default async function refundsRoutes(app: App) {
  // '' rather than '/': the path is the prefix itself, with no trailing-slash twin.
  app.post(
    '',
    {
      schema: { summary: 'Refund (part of) a charge', headers: OptionalIdempotencyHeaders, body: RefundBody },
    },
    async (request, reply) => {
      const { outcome, replayed } = app.providerLedger.refund(
        request.headers['idempotency-key'],
        request.body.charge,
        request.body.amount,
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      const answer = refundAnswer(outcome);
      return reply.code(answer.status).send(answer.body);
    },
  );
}
