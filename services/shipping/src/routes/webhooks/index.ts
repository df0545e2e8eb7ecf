// /shippings/webhooks/carrier: the carrier's tracking events. No JWT: the request is authenticated by
// its signature over the raw body, so this plugin keeps the body's exact text (its own JSON parser,
// encapsulated here) and checks the signature before the body is validated: an unsigned caller learns
// nothing about the body's shape. 401 bad/missing/stale signature, 409 the same signed request again
// (a replay), 200 {duplicate: true} for an eventId seen before (the carrier redelivering).
import { type App, errorResponses } from '@mercato/kit';
import type { FastifyRequest } from 'fastify';
import { SIGNATURE_HEADER } from '../../carrier/webhook-signature.ts';
import type { ShipmentsContext } from '../../use-cases/context.ts';
import { checkSignature, recordCarrierEvent, type VerifiedRequest } from '../../use-cases/track-parcel.ts';
import { CarrierWebhookBody, CarrierWebhookHeaders, WebhookAnswer } from './schemas.ts';

export default async function webhookRoutes(app: App, opts: { ctx: ShipmentsContext }) {
  const { ctx } = opts;
  const rawBodies = new WeakMap<FastifyRequest, string>();
  const verified = new WeakMap<FastifyRequest, VerifiedRequest>();

  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const raw = body as string;
    rawBodies.set(request, raw);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      // Not JSON: the raw text goes on, and fails the body's schema (400) once the signature passed.
      parsed = raw;
    }
    done(null, parsed);
  });

  // A signed body that fails its schema never reaches the use case: counted here.
  app.addHook('onResponse', async (_request, reply) => {
    if (reply.statusCode === 400) ctx.metrics.webhooks.inc({ outcome: 'malformed' });
  });

  app.post(
    '/carrier',
    {
      preValidation: async (request) => {
        verified.set(
          request,
          checkSignature(ctx, request.headers[SIGNATURE_HEADER], rawBodies.get(request) ?? ''),
        );
      },
      schema: {
        summary: "The carrier's tracking events (signed; no bearer token)",
        description:
          'Moves the parcel to the furthest point reached (events may come out of order) and records the ' +
          'tracking history. 401 when the Carrier-Signature is missing, wrong or its timestamp is older than ' +
          'WEBHOOK_TOLERANCE_SECONDS; 409 webhook-replayed for a request seen before; 200 with duplicate: true ' +
          'for an eventId received before; 404 for a tracking number no parcel has.',
        'x-mercato-access': 'public',
        headers: CarrierWebhookHeaders,
        body: CarrierWebhookBody,
        response: { 200: WebhookAnswer, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const check = verified.get(request);
      if (!check) throw new Error('webhook: the signature was not checked');
      const { duplicate } = await recordCarrierEvent(ctx, check, request.body);
      return { accepted: true as const, duplicate };
    },
  );
}
