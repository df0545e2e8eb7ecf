// The inbox keeps a message's bytes as they arrived and parses them when the message is first read.
import t from 'tap';
import { Inbox } from '../src/domain/inbox.ts';

const raw = (subject: string) =>
  Buffer.from(
    [
      'From: Mercato <shop@mercato.local>',
      'To: ada@example.com',
      `Subject: ${subject}`,
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Total: 12,50 =E2=82=AC',
      '',
    ].join('\r\n'),
  );
const received = (id: string, subject: string) => ({
  id,
  receivedAt: '2026-12-04T12:00:00.000Z',
  envelope: { from: 'shop@mercato.local', to: ['ada@example.com', 'audit@example.com'] },
  raw: raw(subject),
});

t.test('a message is parsed when read: headers, decoded body, envelope and size', async (t) => {
  const inbox = new Inbox(10);
  inbox.add(received('m1', 'Your order'));
  const message = await inbox.get('m1');
  t.match(message, {
    id: 'm1',
    subject: 'Your order',
    from: /shop@mercato\.local/,
    to: ['ada@example.com'],
    envelope: { to: ['ada@example.com', 'audit@example.com'] },
    text: /Total: 12,50 €/,
    size: raw('Your order').length,
  });
  t.equal(await inbox.get('nope'), undefined);
});

t.test(
  'readers at the same time get one parse; the newest come first and only `capacity` stay',
  async (t) => {
    const inbox = new Inbox(2);
    inbox.add(received('a', 'first'));
    inbox.add(received('b', 'second'));
    inbox.add(received('c', 'third'));
    const [one, two] = await Promise.all([inbox.list(), inbox.list()]);
    t.same(
      one.map((m) => m.subject),
      ['third', 'second'],
    );
    t.equal(one[0], two[0], 'the same parsed message, not a second parse');
    t.equal(await inbox.get('a'), undefined, 'pushed out');
    t.equal(inbox.clear(), 2);
    t.same(await inbox.list(), []);
  },
);
