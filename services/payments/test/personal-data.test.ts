// Account erasure (user.erased) asks every service holding a user's personal data (name, e-mail,
// address) to remove it. Payments holds none, so it has no erasure consumer (README, "Personal
// data"). This guard fails when a column that could hold such data appears, so whoever adds one also
// adds the user.erased consumer that removes it.
import t from 'tap';
import { startPayments } from './helpers.ts';

const PERSONAL = /name|e_?mail|address|street|city|postal|zip|phone|holder|birth/i;

t.test('payments keeps no name, e-mail or address of its customers', async (t) => {
  const svc = await startPayments(t);
  const columns: { table_name: string; column_name: string }[] = await svc.query(
    `select table_name, column_name from information_schema.columns where table_schema = $1`,
    [svc.schema],
  );
  t.ok(
    columns.some((c) => c.table_name === 'payment'),
    'the schema is there',
  );
  const personal = columns
    .filter((c) => !['mikro_orm_migrations'].includes(c.table_name))
    .filter((c) => PERSONAL.test(c.column_name))
    .map((c) => `${c.table_name}.${c.column_name}`);
  t.same(personal, [], 'no column for personal data');
  // The customer is a user id; the card is the provider's opaque token, no card holder or number.
  const [method] = await svc.query(
    `select column_name, data_type from information_schema.columns
      where table_schema = $1 and table_name = 'payment' and column_name = 'payment_method'`,
    [svc.schema],
  );
  t.equal(method?.data_type, 'jsonb');
});
