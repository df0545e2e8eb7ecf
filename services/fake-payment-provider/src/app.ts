// A stand-in for a card payment provider (Stripe-like), for local runs: charges and refunds kept in
// memory. It answers like a third party would ({ error } bodies, 402 on a decline), not like Mercato.
import { type App, createService } from '@mercato/kit';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { uuidv7 } from 'uuidv7';
import { behaviourOf } from './cards.ts';
import type { Config } from './config.ts';

const Amount = Type.String({ pattern: '^\\d{1,12}(\\.\\d{1,4})?$' });
const ChargeBody = Type.Object({
  amount: Amount,
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  token: Type.String({ minLength: 1, maxLength: 200 }),
  reference: Type.String({ minLength: 1, maxLength: 200 }),
});
const RefundBody = Type.Object({ charge: Type.String({ minLength: 1 }), amount: Amount });
const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.String({ minLength: 1, maxLength: 255 }),
});
const OptionalIdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
});

interface Charge {
  id: string;
  status: 'succeeded';
  amount: string;
  currency: string;
  reference: string;
  /** in 1/10_000 units, so refunds never exceed the charge */
  refundedUnits: bigint;
}
interface Answer {
  status: number;
  body: Record<string, unknown>;
}

const toUnits = (amount: string): bigint => {
  const [whole, fraction = ''] = amount.split('.');
  return BigInt(whole!) * 10_000n + BigInt(fraction.padEnd(4, '0'));
};

export async function buildApp(config: Pick<Config, 'LOG_LEVEL'>): Promise<App> {
  const app = await createService({
    name: 'fake-payment-provider',
    logLevel: config.LOG_LEVEL,
    openapi: { title: 'Fake payment provider', description: 'Test cards that succeed, decline or hang' },
  });
  const charges = new Map<string, Charge>();
  // Answers by idempotency key: a retried request gets exactly the first answer (declines included).
  const answers = new Map<string, Answer>();
  // Requests for a "timeout" card are never answered; they are cut when the app closes.
  const hanging = new Set<FastifyReply>();

  app.addHook('preClose', async () => {
    for (const reply of hanging) reply.raw.destroy();
    hanging.clear();
  });

  const hang = (reply: FastifyReply) => {
    hanging.add(reply);
    reply.raw.on('close', () => hanging.delete(reply));
    return reply.hijack();
  };

  const send = (reply: FastifyReply, answer: Answer) => reply.code(answer.status).send(answer.body);

  app.post(
    '/v1/charges',
    { schema: { summary: 'Charge a card', headers: IdempotencyHeaders, body: ChargeBody } },
    async (request, reply) => {
      const key = `charge:${request.headers['idempotency-key']}`;
      const known = answers.get(key);
      if (known) return send(reply.header('idempotent-replayed', 'true'), known);
      const { amount, currency, token, reference } = request.body;
      const behaviour = behaviourOf(token);
      if (behaviour === 'hang') return hang(reply);
      let answer: Answer;
      if (behaviour === 'decline') {
        answer = { status: 402, body: { error: 'card_declined' } };
      } else if (behaviour === 'succeed') {
        const charge: Charge = {
          id: `ch_${uuidv7().replace(/-/g, '')}`,
          status: 'succeeded',
          amount,
          currency,
          reference,
          refundedUnits: 0n,
        };
        charges.set(charge.id, charge);
        answer = { status: 201, body: { id: charge.id, status: charge.status, amount, currency } };
      } else {
        answer = { status: 400, body: { error: 'invalid_card' } };
      }
      answers.set(key, answer);
      return send(reply, answer);
    },
  );

  app.post(
    '/v1/refunds',
    {
      schema: { summary: 'Refund (part of) a charge', headers: OptionalIdempotencyHeaders, body: RefundBody },
    },
    async (request, reply) => {
      const idempotencyKey = request.headers['idempotency-key'];
      const key = idempotencyKey ? `refund:${idempotencyKey}` : undefined;
      const known = key ? answers.get(key) : undefined;
      if (known) return send(reply.header('idempotent-replayed', 'true'), known);
      const charge = charges.get(request.body.charge);
      let answer: Answer;
      if (!charge) {
        answer = { status: 404, body: { error: 'no_such_charge' } };
      } else {
        const units = toUnits(request.body.amount);
        if (units <= 0n || charge.refundedUnits + units > toUnits(charge.amount)) {
          answer = { status: 400, body: { error: 'amount_too_large' } };
        } else {
          charge.refundedUnits += units;
          answer = {
            status: 201,
            body: {
              id: `re_${uuidv7().replace(/-/g, '')}`,
              status: 'succeeded',
              charge: charge.id,
              amount: request.body.amount,
            },
          };
        }
      }
      if (key) answers.set(key, answer);
      return send(reply, answer);
    },
  );

  return app;
}
