import { pdfText } from '@mercato/testing';
import t from 'tap';
import { renderCreditNotePdf } from '../src/domain/credit-note-pdf.ts';
import { creditNoteLines, creditNoteTotal, formatCreditNoteNumber } from '../src/domain/credit-note-rules.ts';
import { renderInvoicePdf } from '../src/domain/invoice-pdf.ts';
import {
  formatInvoiceNumber,
  invoiceLines,
  invoiceShipping,
  invoiceTotal,
  invoiceYear,
  linesTotal,
  shippingLabel,
} from '../src/domain/invoice-rules.ts';
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

t.test(
  'the shipping line: in the invoice’s currency, and lines + shipping must be the order’s total',
  async (t) => {
    const lines = invoiceLines([line('10.25', 2)], 'EUR');
    const charge = {
      quoteId: '0190a000-0000-7000-8000-000000000008',
      level: 'express' as const,
      price: { amount: '12.9', currency: 'EUR' },
    };
    const shipping = invoiceShipping(charge, 'EUR');
    t.same(shipping, { quoteId: charge.quoteId, level: 'express', amount: '12.90' });
    t.equal(invoiceShipping(undefined, 'EUR'), undefined);
    t.throws(() => invoiceShipping({ ...charge, price: { amount: '1.00', currency: 'USD' } }, 'EUR'), /USD/);
    t.equal(invoiceTotal(lines, shipping, '33.4000'), '33.40');
    t.equal(invoiceTotal(lines, undefined, '20.50'), '20.50');
    t.throws(
      () => invoiceTotal(lines, shipping, '20.50'),
      /33\.40.*20\.50/,
      'a total the rows do not add up to',
    );
    t.equal(shippingLabel(shipping!), 'Shipping (express)');
  },
);

t.test('credit notes: their own number format, lines named as ordered, total = refund', async (t) => {
  t.equal(formatCreditNoteNumber(2026, 1), 'CN-2026-000001');
  const productId = '0190a000-0000-7000-8000-000000000002';
  const ordered = [{ ...line('10.25', 2), productName: 'The Hobbit' }];
  const returned = [
    { productId, quantity: 1, amount: { amount: '10.25', currency: 'EUR' } },
    {
      productId: '0190a000-0000-7000-8000-000000000009',
      quantity: 3,
      amount: { amount: '0.1', currency: 'EUR' },
    },
  ];
  const lines = creditNoteLines(returned, ordered, 'EUR');
  t.same(lines, [
    { productId, productName: 'The Hobbit', quantity: 1, amount: '10.25' },
    { productId: '0190a000-0000-7000-8000-000000000009', quantity: 3, amount: '0.10' },
  ]);
  t.equal(creditNoteTotal(lines, { amount: '10.35', currency: 'EUR' }), '10.35');
  t.throws(() => creditNoteTotal(lines, { amount: '10.36', currency: 'EUR' }), /10\.35.*10\.36/);
  t.throws(() => creditNoteLines(returned, ordered, 'USD'), /EUR/);
});

t.test('the credit note PDF is a real PDF, titled Credit note', async (t) => {
  const pdf = await renderCreditNotePdf(
    {
      year: 2026,
      number: 3,
      orderId: '0190a000-0000-7000-8000-000000000004',
      returnId: '0190a000-0000-7000-8000-00000000000a',
      lines: [{ productId: '0190a000-0000-7000-8000-000000000002', quantity: 1, amount: '10.25' }],
      totalAmount: '10.2500',
      currency: 'EUR',
      billingAddress: null,
      billingAddressId: null,
      issuedAt: new Date('2026-12-03T10:00:00Z'),
    },
    '2026-000007',
    'Mercato',
  );
  t.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  const text = pdfText(pdf);
  t.match(text, 'Credit note CN-2026-000003');
  t.match(text, 'Corrects invoice: 2026-000007');
  t.match(text, 'Total credited: 10.25 EUR');
});
