// Helpers of the notification flow tests: customers whose mail a test reads, the links in that mail,
// and counting what the SMTP sink received.
import { randomBytes } from 'node:crypto';
import { eventually, type ReceivedMail } from '@mercato/testing';
import { Client } from './client.ts';

export interface MailCustomer {
  client: Client;
  email: string;
  username: string;
  password: string;
  userId: string;
  refreshToken: string;
  addressId: string;
  /** the street of the address (unique to the customer) */
  street: string;
}

/** Every customer's address, with a street of their own. */
export const ADDRESS = { city: 'Hamburg', postalCode: '20095', country: 'DE' };

/** Registers (the answer carries the tokens) and adds a default address. */
export async function registerCustomer(
  gatewayUrl: string,
  opts: { email?: string; name?: string } = {},
): Promise<MailCustomer> {
  const tag = randomBytes(6).toString('hex');
  const email = opts.email ?? `m_${tag}@mercato.test`;
  const username = `m_${tag}`;
  const password = `Pw-${tag}-long-enough`;
  const anon = new Client(gatewayUrl);
  const registered = await anon.post('/auth/register', { email, username, password });
  if (registered.status !== 201)
    throw new Error(`register: ${registered.status} ${JSON.stringify(registered.body)}`);
  const client = new Client(gatewayUrl, registered.body.accessToken);
  const address = await client.post('/addresses', { ...ADDRESS, street: `${tag} Mailbox Road` });
  if (address.status !== 201) throw new Error(`address: ${address.status} ${JSON.stringify(address.body)}`);
  return {
    client,
    email,
    username,
    password,
    userId: registered.body.user.id,
    refreshToken: registered.body.refreshToken,
    addressId: address.body.id,
    street: `${tag} Mailbox Road`,
  };
}

/** POST /orders, retrying while orders has not heard of a new product yet (422). */
export async function placeOrder(customer: MailCustomer, productId: string, card: string, quantity = 1) {
  const reply = await eventually(
    async () => {
      const r = await customer.client.post(
        '/orders',
        {
          lines: [{ productId, quantity }],
          shippingAddressId: customer.addressId,
          paymentMethod: { type: 'card', token: card },
        },
        { 'idempotency-key': randomBytes(12).toString('hex') },
      );
      if (r.status === 422 && /product/i.test(JSON.stringify(r.body)))
        throw new Error('product not known yet');
      return r;
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  );
  if (reply.status !== 201) throw new Error(`order: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body as { id: string; status: string };
}

/** The token of a link `${SHOP_URL}${path}?token=…` in a mail's text. */
export function linkToken(mail: ReceivedMail, path: string): string {
  const m = new RegExp(`${path.replace(/[/?]/g, '\\$&')}\\?token=([^\\s"'<>&]+)`).exec(mail.text);
  if (!m) throw new Error(`no ${path}?token= link in ${JSON.stringify(mail.text)}`);
  return decodeURIComponent(m[1]!);
}

/** The record id notifications puts on every mail (a resent mail carries the same). */
export function notificationId(mail: ReceivedMail): string {
  const value = mail.headers.get('x-mercato-notification-id');
  return typeof value === 'string' ? value : String(value);
}

/** How many times each notification record arrived. */
export function copiesPerNotification(mails: readonly ReceivedMail[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of mails) counts.set(notificationId(m), (counts.get(notificationId(m)) ?? 0) + 1);
  return counts;
}

/** A predicate: mail to `to` (envelope) whose subject contains or matches `subject`. */
export const mailTo =
  (to: string, subject: RegExp | string = /./) =>
  (m: ReceivedMail) =>
    m.envelope.to.some((r) => r.toLowerCase() === to.toLowerCase()) &&
    (typeof subject === 'string' ? m.subject.includes(subject) : subject.test(m.subject));

/** How the mails print a date (notifications' MAIL_LOCALE en-GB, MAIL_TIME_ZONE UTC). */
export function mailDateTime(iso: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
    timeZoneName: 'short',
  }).format(new Date(iso));
}
