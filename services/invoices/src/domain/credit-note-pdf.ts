// The credit note as a PDF (pdfkit), laid out like the invoice: issuer, "Credit note CN-…", date, the
// invoice it corrects, billing address, the credited lines and the total credited. Pure, like the
// invoice's renderer.
import { normalizeAmount } from '@mercato/contracts';
import { type CreditNoteDocument, formatCreditNoteNumber } from './credit-note-rules.ts';
import { newPdf, printBillTo, printHeading, productLabel } from './pdf-layout.ts';

/** `invoiceNumber`: the number of the invoice it corrects, when that invoice is issued. */
export async function renderCreditNotePdf(
  note: CreditNoteDocument,
  invoiceNumber: string | undefined,
  issuerName: string,
): Promise<Buffer> {
  const number = formatCreditNoteNumber(note.year, note.number);
  const currency = note.currency.trim();
  const { doc, done } = await newPdf(`Credit note ${number}`, issuerName);

  printHeading(doc, issuerName, `Credit note ${number}`, note.issuedAt);
  doc.text(
    invoiceNumber
      ? `Corrects invoice: ${invoiceNumber}`
      : 'Corrects the invoice of the order below (not issued yet at this date)',
  );
  doc.text(`Order: ${note.orderId}`);
  doc.text(`Return: ${note.returnId}`);
  doc.moveDown();
  printBillTo(doc, note.billingAddress, note.billingAddressId);

  const columns = { product: 50, quantity: 390, amount: 470 };
  const row = (y: number, cells: [string, string, string]) => {
    doc.text(cells[0], columns.product, y, { width: 330 });
    doc.text(cells[1], columns.quantity, y, { width: 70, align: 'right' });
    doc.text(cells[2], columns.amount, y, { width: 75, align: 'right' });
  };
  doc.fontSize(10);
  row(doc.y, ['Returned product', 'Qty', `Credited (${currency})`]);
  doc.moveDown(0.5);
  for (const line of note.lines) {
    row(doc.y, [productLabel(line), String(line.quantity), line.amount]);
    doc.moveDown(0.3);
  }
  doc.moveDown();
  doc
    .fontSize(12)
    .text(`Total credited: ${normalizeAmount(note.totalAmount)} ${currency}`, columns.product, doc.y, {
      align: 'right',
      width: 495,
    });
  doc.end();
  return done;
}
