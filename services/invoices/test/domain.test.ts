import t from 'tap';
import { renderInvoicePdf } from '../src/domain/invoice-pdf.ts';
import { formatInvoiceNumber, invoiceLines, invoiceYear, linesTotal } from '../src/domain/invoice-rules.ts';
import type { Invoice } from '../src/persistence/entities.ts';

const line = (amount: string, quantity: number, currency = 'EUR') => ({
  itemId: '0190a000-0000-7000-8000-000000000001',
  productId: '0190a000-0000-7000-8000-000000000002',
  quantity,
  unitPrice: { amount, currency },
});

t.test('invoice numbers read year-sequence, zero-padded', async (t) => {
  t.equal(formatInvoiceNumber(2026, 42), '2026-000042');
  t.equal(formatInvoiceNumber(2027, 1234567), '2027-1234567');
  t.throws(() => formatInvoiceNumber(2026, 0));
  t.equal(invoiceYear(new Date('2026-12-31T23:59:59.999Z')), 2026);
  t.equal(invoiceYear(new Date('2027-01-01T00:00:00.000Z')), 2027);
});

t.test('line totals are exact decimals', async (t) => {
  const lines = invoiceLines([line('0.10', 3), line('19.999', 2)], 'EUR');
  t.same(
    lines.map((l) => [l.unitPrice, l.lineTotal]),
    [
      ['0.10', '0.30'],
      ['19.999', '39.998'],
    ],
  );
  t.equal(linesTotal(lines), '40.298');
  t.throws(() => invoiceLines([line('1.00', 1, 'USD')], 'EUR'), /USD/);
});

t.test('the PDF is a real PDF', async (t) => {
  const invoice = {
    id: '0190a000-0000-7000-8000-000000000003',
    year: 2026,
    number: 7,
    orderId: '0190a000-0000-7000-8000-000000000004',
    userId: '0190a000-0000-7000-8000-000000000005',
    paymentId: '0190a000-0000-7000-8000-000000000006',
    orderRevision: 1,
    lines: invoiceLines([line('10.25', 2)], 'EUR'),
    totalAmount: '20.5000',
    currency: 'EUR',
    billingAddress: { street: '1 Main St', city: 'Paris', postalCode: '75001', country: 'FR' },
    billingAddressId: '0190a000-0000-7000-8000-000000000007',
    issuedAt: new Date('2026-11-22T10:00:00Z'),
  } as Invoice;
  const pdf = await renderInvoicePdf(invoice, 'Mercato');
  t.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  t.match(pdf.subarray(-8).toString('latin1'), /%%EOF/);
  t.match(pdf.toString('latin1'), /Invoice 2026-000007/, 'the number is in the document info');
});
