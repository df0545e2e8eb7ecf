// The invoice as a PDF (pdfkit): issuer, number, date, billing address, lines and total.
// Domain, though it is a library call: pdfkit only renders into memory (no I/O), so this stays a pure
// function of the invoice and the issuer's name, testable without servers.

import { normalizeAmount } from '@mercato/contracts';
import PDFDocument from 'pdfkit';
import { formatInvoiceNumber, type InvoiceDocument, linesTotal } from './invoice-rules.ts';

export function renderInvoicePdf(invoice: InvoiceDocument, issuerName: string): Promise<Buffer> {
  const number = formatInvoiceNumber(invoice.year, invoice.number);
  const currency = invoice.currency.trim();
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: { Title: `Invoice ${number}`, Author: issuerName },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.fontSize(20).text(issuerName);
  doc.moveDown();
  doc.fontSize(16).text(`Invoice ${number}`);
  doc.fontSize(10).text(`Date: ${invoice.issuedAt.toISOString().slice(0, 10)}`);
  doc.text(`Order: ${invoice.orderId}`);
  doc.moveDown();
  doc.fontSize(11).text('Bill to:');
  const a = invoice.billingAddress;
  if (a) {
    if (a.name) doc.text(a.name);
    doc.text(a.street).text(`${a.postalCode} ${a.city}`).text(a.country);
  } else {
    doc.text(`Address ${invoice.billingAddressId}`);
  }
  doc.moveDown();

  const columns = { product: 50, quantity: 330, unit: 390, total: 470 };
  const row = (y: number, cells: [string, string, string, string]) => {
    doc.text(cells[0], columns.product, y, { width: 270 });
    doc.text(cells[1], columns.quantity, y, { width: 50, align: 'right' });
    doc.text(cells[2], columns.unit, y, { width: 70, align: 'right' });
    doc.text(cells[3], columns.total, y, { width: 75, align: 'right' });
  };
  doc.fontSize(10);
  row(doc.y, ['Product', 'Qty', `Unit (${currency})`, `Total (${currency})`]);
  doc.moveDown(0.5);
  for (const line of invoice.lines) {
    // The name as ordered (one row per line, so a long one is cut); the id on older invoices.
    const product = line.productName
      ? line.productName.length > 60
        ? `${line.productName.slice(0, 59)}…`
        : line.productName
      : line.productId;
    row(doc.y, [product, String(line.quantity), line.unitPrice, line.lineTotal]);
    doc.moveDown(0.3);
  }
  doc.moveDown();
  doc.text(`Lines: ${linesTotal(invoice.lines)} ${currency}`, columns.product, doc.y, {
    align: 'right',
    width: 495,
  });
  doc
    .fontSize(12)
    .text(`Total: ${normalizeAmount(invoice.totalAmount)} ${currency}`, { align: 'right', width: 495 });
  doc.end();
  return done;
}
