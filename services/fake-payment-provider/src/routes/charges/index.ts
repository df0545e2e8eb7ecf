import type { App } from '@mercato/kit';
import { ChargeBody, IdempotencyHeaders } from './schemas.ts';
import { chargeAnswer } from './view.ts';

export default async function chargesRoutes(app: App) {
  // '' rather than '/': the path is the prefix itself, with no trailing-slash twin.
  app.post(
    '',
    { schema: { summary: 'Charge a card', headers: IdempotencyHeaders, body: ChargeBody } },
    async (request, reply) => {
      const { outcome, replayed } = app.providerLedger.charge(
        request.headers['idempotency-key'],
        request.body,
      );
      if (outcome.result === 'hang') return reply.neverAnswer();
      if (replayed) reply.header('idempotent-replayed', 'true');
      const answer = chargeAnswer(outcome);
      return reply.code(answer.status).send(answer.body);
    },
  );
}
