// Every event of one order delivered twice: one reservation, one charge, one invoice.
// A tap on the exchange records each event of the order; each is then published again, byte for
// byte (same message id), as a broker redelivery or a relay that crashed before marking would do.
import { TEST_AMQP_URL } from '@mercato/testing';
import amqp from 'amqplib';
import t from 'tap';
import { adminClient, newCustomer, stockedProduct, waitForStatus } from '../support/client.ts';
import { startSystem } from '../support/system.ts';

const system = await startSystem();
t.teardown(() => system.stop());

t.test('duplicated events have no second effect', async (t) => {
  const admin = await adminClient(system.gatewayUrl);
  const { productId } = await stockedProduct(admin, { onHand: 10, price: '7.25' });
  const customer = await newCustomer(system.gatewayUrl);

  const conn = await amqp.connect(TEST_AMQP_URL);
  t.teardown(() => conn.close());
  const ch = await conn.createConfirmChannel();
  const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  await ch.bindQueue(queue, system.exchange, '#');
  const seen: amqp.ConsumeMessage[] = [];
  await ch.consume(queue, (msg) => msg && seen.push(msg), { noAck: true });

  let order: any;
  for (let i = 0; i < 150 && !order; i++) {
    const r = await customer.client.post('/orders', {
      lines: [{ productId, quantity: 3 }],
      shippingAddressId: customer.addressId,
      paymentMethod: { type: 'card', token: 'tok_visa' },
    });
    if (r.status === 201) order = r.body;
    else await new Promise((res) => setTimeout(res, 100));
  }
  t.ok(order, 'order placed');
  const confirmed = await waitForStatus(customer.client, order.id);
  t.equal(confirmed.status, 'CONFIRMED');

  const ofOrder = (msg: amqp.ConsumeMessage) => JSON.parse(msg.content.toString()).data?.orderId === order.id;
  const expected = [
    'invoice.issued',
    'order.confirmed',
    'order.placed',
    'payment.succeeded',
    'stock.reserved',
  ];
  const typesSeen = () =>
    seen
      .filter(ofOrder)
      .map((m) => m.fields.routingKey)
      .sort();
  // Wait for every event of the flow before replaying them all. No one of them is reliably the last:
  // orders (order.confirmed) and invoices (invoice.issued) both answer payment.succeeded, each with
  // its own relay, so either may reach the exchange second.
  for (let i = 0; i < 200; i++) {
    if (expected.every((type) => typesSeen().includes(type))) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  const events = seen.filter(ofOrder);
  t.same(typesSeen(), expected);

  for (const msg of events) {
    ch.publish(system.exchange, msg.fields.routingKey, msg.content, msg.properties);
  }
  await ch.waitForConfirms();
  // Let every consumer handle the copies.
  for (let i = 0; i < 100; i++) {
    if (seen.filter(ofOrder).length >= events.length * 2) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  await new Promise((res) => setTimeout(res, 1500));

  const level = (await admin.get(`/stocks/${productId}`)).body;
  t.equal(level.reserved, 3, 'one reservation of 3 units');
  const payments = (await admin.get('/payments?pageSize=100')).body.items.filter(
    (p: any) => p.orderId === order.id,
  );
  t.equal(payments.length, 1, 'one charge');
  const invoices = (await admin.get('/invoices?pageSize=100')).body.items.filter(
    (i: any) => i.orderId === order.id,
  );
  t.equal(invoices.length, 1, 'one invoice');
  t.equal((await customer.client.get(`/orders/${order.id}`)).body.status, 'CONFIRMED', 'still CONFIRMED');
  const newEvents = seen.filter(ofOrder).length - events.length * 2;
  t.equal(newEvents, 0, 'the copies caused no new events');
});
