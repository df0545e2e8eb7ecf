// The invoice as a PDF (pdfkit): issuer, number, date, billing address, lines, shipping and total.
// Domain, though it is a library call: pdfkit only renders into memory (no I/O), so this stays a pure
// function of the invoice and the issuer's name, testable without servers.

import { normalizeAmount } from '@mercato/contracts';
import { formatInvoiceNumber, type InvoiceDocument, linesTotal, shippingLabel } from './invoice-rules.ts';
import { newPdf, printBillTo, printHeading, productLabel } from './pdf-layout.ts';

export async function renderInvoicePdf(invoice: InvoiceDocument, issuerName: string): Promise<Buffer> {
  const number = formatInvoiceNumber(invoice.year, invoice.number);
  const currency = invoice.currency.trim();
  const { doc, done } = await newPdf(`Invoice ${number}`, issuerName);

  printHeading(doc, issuerName, `Invoice ${number}`, invoice.issuedAt);
  doc.text(`Order: ${invoice.orderId}`);
  doc.moveDown();
  printBillTo(doc, invoice.billingAddress, invoice.billingAddressId);

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
    row(doc.y, [productLabel(line), String(line.quantity), line.unitPrice, line.lineTotal]);
    doc.moveDown(0.3);
  }
  doc.moveDown();
  const summary = (text: string) => doc.text(text, columns.product, doc.y, { align: 'right', width: 495 });
  summary(`Lines: ${linesTotal(invoice.lines)} ${currency}`);
  // The shipping line: one row of its own, so lines + shipping = total reads off the page.
  if (invoice.shipping) summary(`${shippingLabel(invoice.shipping)}: ${invoice.shipping.amount} ${currency}`);
  doc
    .fontSize(12)
    .text(`Total: ${normalizeAmount(invoice.totalAmount)} ${currency}`, { align: 'right', width: 495 });
  doc.end();
  return done;
}
