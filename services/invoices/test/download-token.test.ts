// The invoice's download token: invoice.issued carries a fresh random token, the invoice keeps only
// its SHA-256, and GET /invoices/{id}/pdf?token= serves the PDF without a login; a wrong token (or
// another invoice's) is the 404 of an unknown invoice; a Bearer token works as before.
import { createHash } from 'node:crypto';
import { pdfText } from '@mercato/testing';
import t from 'tap';
import { uuidv7 } from 'uuidv7';
import { orderPlaced, paymentSucceeded, startInvoices } from './helpers.ts';

const isProblem = (res: { statusCode: number; headers: Record<string, unknown> }, status: number) =>
  res.statusCode === status && /^application\/problem\+json/.test(String(res.headers['content-type']));

t.test('GET /invoices/{id}/pdf?token=: the invoice e-mail’s link', async (t) => {
  const svc = await startInvoices(t);
  const alice = uuidv7();
  const invoiced = async (userId: string) => {
    const order = orderPlaced(userId);
    await svc.publish(svc.event('order.placed', order, order.orderId));
    await svc.publish(svc.event('payment.succeeded', paymentSucceeded(order), order.orderId));
    const [issued] = await svc.events.waitFor('invoice.issued', order.orderId);
    return issued!.data as { invoiceId: string; number: string; downloadToken?: string };
  };
  const a = await invoiced(alice);
  const b = await invoiced(uuidv7());

  t.match(a.downloadToken, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
  t.not(a.downloadToken, b.downloadToken, 'one token per invoice');
  const [row] = await svc.query('select download_token_hash from invoice where id = $1', [a.invoiceId]);
  t.equal(
    row!.download_token_hash,
    createHash('sha256').update(a.downloadToken!).digest('hex'),
    'only the SHA-256 is stored',
  );
  const [{ n }] = await svc.query(
    `select count(*)::int as n from invoice i
       where i::text like '%' || $1 || '%'`,
    [a.downloadToken],
  );
  t.equal(n, 0, 'the token itself is nowhere in the invoice row');
  const json = await svc.app.inject({
    method: 'GET',
    url: `/invoices/${a.invoiceId}`,
    headers: { authorization: `Bearer ${await svc.token(alice)}` },
  });
  t.notOk(JSON.stringify(json.json()).includes(row!.download_token_hash), 'the JSON view shows no digest');

  const byToken = await svc.app.inject({
    method: 'GET',
    url: `/invoices/${a.invoiceId}/pdf?token=${a.downloadToken}`,
  });
  t.equal(byToken.statusCode, 200, 'no login needed');
  t.match(byToken.headers['content-type'], /^application\/pdf/);
  t.equal(byToken.headers['cache-control'], 'private, no-store');
  t.equal(byToken.rawPayload.subarray(0, 5).toString(), '%PDF-');
  t.match(pdfText(byToken.rawPayload), a.number, 'the invoice asked for');

  const wrong = [
    ['another invoice’s token', `/invoices/${a.invoiceId}/pdf?token=${b.downloadToken}`],
    ['a made-up token', `/invoices/${a.invoiceId}/pdf?token=${'A'.repeat(43)}`],
    ['an unknown invoice', `/invoices/${uuidv7()}/pdf?token=${a.downloadToken}`],
  ] as const;
  const answers = [];
  for (const [why, url] of wrong) {
    const res = await svc.app.inject({ method: 'GET', url });
    t.ok(isProblem(res, 404), `${why}: 404`);
    answers.push({ ...res.json(), instance: undefined, requestId: undefined });
  }
  t.same(answers[0], answers[2], 'a wrong token answers exactly as an unknown invoice');

  const malformed = await svc.app.inject({
    method: 'GET',
    url: `/invoices/${a.invoiceId}/pdf?token=not-a-token`,
  });
  t.ok(isProblem(malformed, 400), 'a malformed token is bad input');
  t.ok(
    isProblem(await svc.app.inject({ method: 'GET', url: `/invoices/${a.invoiceId}/pdf` }), 401),
    'neither token: 401',
  );
  t.ok(
    isProblem(await svc.app.inject({ method: 'GET', url: `/invoices/${a.invoiceId}/pdf?token=` }), 400),
    'an empty token: 400',
  );

  // With a Bearer token, as before: the owner and admins; another customer is 404 even with the token.
  const bearer = async (sub: string, role: 'customer' | 'admin' = 'customer') => ({
    authorization: `Bearer ${await svc.token(sub, role)}`,
  });
  const own = await svc.app.inject({
    method: 'GET',
    url: `/invoices/${a.invoiceId}/pdf`,
    headers: await bearer(alice),
  });
  t.equal(own.statusCode, 200);
  t.notOk(own.headers['cache-control'], 'the Bearer path is unchanged');
  const admin = await svc.app.inject({
    method: 'GET',
    url: `/invoices/${a.invoiceId}/pdf`,
    headers: await bearer(uuidv7(), 'admin'),
  });
  t.equal(admin.statusCode, 200);
  const other = await svc.app.inject({
    method: 'GET',
    url: `/invoices/${a.invoiceId}/pdf?token=${a.downloadToken}`,
    headers: await bearer(uuidv7()),
  });
  t.ok(isProblem(other, 404), 'the Bearer token decides when one is sent');
  const badBearer = await svc.app.inject({
    method: 'GET',
    url: `/invoices/${a.invoiceId}/pdf?token=${a.downloadToken}`,
    headers: { authorization: 'Bearer nope' },
  });
  t.ok(isProblem(badBearer, 401), 'an invalid Bearer token is 401, token or not');

  // The other routes still need a login, token in the query or not.
  for (const url of [`/invoices/${a.invoiceId}?token=${a.downloadToken}`, '/invoices']) {
    t.ok(isProblem(await svc.app.inject({ method: 'GET', url }), 401), `${url}: 401`);
  }
});

t.test('an invoice issued before download tokens existed opens only with a login', async (t) => {
  const svc = await startInvoices(t);
  const alice = uuidv7();
  const order = orderPlaced(alice);
  await svc.publish(svc.event('order.placed', order, order.orderId));
  await svc.publish(svc.event('payment.succeeded', paymentSucceeded(order), order.orderId));
  const [issued] = await svc.events.waitFor('invoice.issued', order.orderId);
  const { invoiceId, downloadToken } = issued!.data as { invoiceId: string; downloadToken: string };
  await svc.query('update invoice set download_token_hash = null where id = $1', [invoiceId]);
  const res = await svc.app.inject({
    method: 'GET',
    url: `/invoices/${invoiceId}/pdf?token=${downloadToken}`,
  });
  t.ok(isProblem(res, 404), 'no digest: no token opens it');
  const own = await svc.app.inject({
    method: 'GET',
    url: `/invoices/${invoiceId}/pdf`,
    headers: { authorization: `Bearer ${await svc.token(alice)}` },
  });
  t.equal(own.statusCode, 200);
});

t.test('POST /invoices (admin) issues with a token too, and the OpenAPI document says how', async (t) => {
  const svc = await startInvoices(t);
  const order = orderPlaced(uuidv7());
  await svc.publish(svc.event('order.placed', order, order.orderId));
  await svc.query(
    `insert into order_payment (order_id, payment_id, user_id, revision, amount, currency)
     values ($1, $2, $3, 1, 25, 'EUR')`,
    [order.orderId, uuidv7(), order.userId],
  );
  // The read model may still be on its way.
  let res: Awaited<ReturnType<typeof svc.app.inject>> | undefined;
  for (let i = 0; i < 50; i++) {
    res = await svc.app.inject({
      method: 'POST',
      url: '/invoices',
      headers: { authorization: `Bearer ${await svc.token(uuidv7(), 'admin')}` },
      payload: { orderId: order.orderId },
    });
    if (res.statusCode !== 422) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(res!.statusCode, 201);
  t.notOk('downloadToken' in res!.json(), 'the admin’s answer does not carry the token');
  const [issued] = await svc.events.waitFor('invoice.issued', order.orderId);
  const token = (issued!.data as { downloadToken: string }).downloadToken;
  const pdf = await svc.app.inject({ method: 'GET', url: `/invoices/${res!.json().id}/pdf?token=${token}` });
  t.equal(pdf.statusCode, 200, 'the event’s token opens it');

  const doc = (await svc.app.inject({ method: 'GET', url: '/docs/json' })).json();
  const op = doc.paths['/invoices/{id}/pdf'].get;
  t.same(op.security, [{ bearerAuth: [] }, {}], 'Bearer, or no login (with the token)');
  t.equal(op['x-mercato-access'], 'owner');
  const param = op.parameters.find(
    (p: { in: string; name: string }) => p.in === 'query' && p.name === 'token',
  );
  t.ok(param, 'the token is documented');
  t.equal(param.required, false);
  t.ok(op.responses['401'] && op.responses['404'] && op.responses['400']);
});
