// invoices_issued_total and credit_notes_issued_total, counted in memory once the issuing
// transaction commits (two replicas racing for one order: the loser rolls back and counts nothing),
// through @mercato/db's afterCommitHooks. The issuing code reaches them through its EntityManager
// (every fork and transaction of one ORM shares its `config`), so no signature changes.
import { type AfterCommit, afterCommitHooks, type EntityManager, type MikroORM } from '@mercato/db';
import { Counter, type Registry } from 'prom-client';

interface InvoiceMetrics {
  invoices: Counter;
  creditNotes: Counter;
  afterCommit: AfterCommit;
}

const byOrm = new WeakMap<object, InvoiceMetrics>();

/** Registers the invoices metrics on `registry` for every document issued through `orm`. */
export function installInvoiceMetrics(orm: MikroORM, registry: Registry): void {
  byOrm.set(orm.config, {
    invoices: new Counter({
      name: 'invoices_issued_total',
      help: 'Invoices issued (committed, with their number)',
      registers: [registry],
    }),
    creditNotes: new Counter({
      name: 'credit_notes_issued_total',
      help: 'Credit notes issued for returns (committed, with their number)',
      registers: [registry],
    }),
    afterCommit: afterCommitHooks(orm),
  });
}

function whenCommitted(em: EntityManager, fn: (m: InvoiceMetrics) => void): void {
  const m = byOrm.get(em.config);
  if (!m) return; // metrics not installed (a test of the issuing alone)
  if (em.isInTransaction()) m.afterCommit(em, () => fn(m));
  else fn(m);
}

/** An invoice was issued in `em`'s transaction. */
export function countInvoiceIssued(em: EntityManager): void {
  whenCommitted(em, (m) => m.invoices.inc());
}

/** A credit note was issued in `em`'s transaction. */
export function countCreditNoteIssued(em: EntityManager): void {
  whenCommitted(em, (m) => m.creditNotes.inc());
}
