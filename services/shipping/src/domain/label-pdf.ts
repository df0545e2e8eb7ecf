// A shipping label as a PDF (pdfkit) the size of a thermal label, 4 × 6 inches: the carrier, the
// service level (EXPRESS big, so the packer routes it), RETURN on return labels, the sender and the
// recipient, the reference, the weight, and a Code 128 barcode of the tracking number with the number
// printed under it. Domain, though it is a library call: pdfkit only renders into memory, so this
// is a pure function of the label's input, testable without servers.
import type { LabelAddress } from '../carrier/carrier.ts';
import { code128Png } from './barcode.ts';

export interface LabelInput {
  kind: 'outbound' | 'return';
  carrier: string;
  trackingNumber: string;
  level: 'standard' | 'express';
  from: LabelAddress;
  to: LabelAddress;
  /** The order (or return) it belongs to, printed small for the packer. */
  reference: string;
  weightGrams: number;
}

const INCH = 72; // PDF points
const PAGE = { width: 4 * INCH, height: 6 * INCH };
const MARGIN = 14;
const INNER = PAGE.width - 2 * MARGIN;
// The narrowest bar (the X dimension). 0.5 mm prints cleanly on a 203 dpi thermal printer and reads
// from a hand scanner at arm's length; a long tracking number gets narrower bars to fit the width.
const MAX_MODULE_PT = 1.42;
const BAR_HEIGHT_PT = 1.1 * INCH;
// Pixels a module in the embedded image: whole pixels keep the bars' edges sharp once scaled.
const PX_PER_MODULE = 3;

// pdfkit (7 MB of heap, 30 MB of RSS, 0.2 s to load) is loaded when the first label is printed, not
// at start (node loads a module once; later imports are a cached lookup).

export async function renderLabel(input: LabelInput): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit');
  const returning = input.kind === 'return';
  const doc = new PDFDocument({
    size: [PAGE.width, PAGE.height],
    margin: MARGIN,
    info: {
      Title: `${returning ? 'Return label' : 'Shipping label'} ${input.trackingNumber}`,
      Author: input.carrier,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  /** One line of text at (x, y), cut with an ellipsis to `width`: a label never wraps or overflows. */
  const line = (
    text: string,
    x: number,
    y: number,
    width: number,
    align: 'left' | 'right' | 'center' = 'left',
  ) => {
    let shown = text;
    for (let n = text.length - 1; n > 0 && doc.widthOfString(shown) > width; n--)
      shown = `${text.slice(0, n)}…`;
    doc.text(shown, x, y, { width, align, lineBreak: false });
  };

  // Header: the carrier, and the service level as the packer must see it.
  let y = MARGIN;
  doc.fillColor('black').font('Helvetica-Bold').fontSize(16);
  line(input.carrier, MARGIN, y + 6, INNER / 2);
  if (input.level === 'express') {
    const badge = { width: 130, height: 30 };
    doc.rect(PAGE.width - MARGIN - badge.width, y, badge.width, badge.height).fill('black');
    doc.fillColor('white').fontSize(24);
    line('EXPRESS', PAGE.width - MARGIN - badge.width, y + 4, badge.width, 'center');
    doc.fillColor('black');
  } else {
    doc.fontSize(12);
    line('STANDARD', MARGIN + INNER / 2, y + 9, INNER / 2, 'right');
  }
  y += 36;
  if (returning) {
    doc.rect(MARGIN, y, INNER, 30).fill('black');
    doc.fillColor('white').font('Helvetica-Bold').fontSize(22);
    line('RETURN', MARGIN, y + 5, INNER, 'center');
    doc.fillColor('black');
    y += 36;
  }
  rule(doc, y);

  // The sender, small; the recipient, large: what the driver reads.
  y = address(doc, line, 'FROM', input.from, y + 6, { name: 9, body: 9, gap: 11, maxLines: 3 });
  rule(doc, y + 2);
  y = address(doc, line, returning ? 'RETURN TO' : 'SHIP TO', input.to, y + 8, {
    name: 14,
    body: 13,
    gap: 16,
    maxLines: 4,
  });
  rule(doc, y + 4);

  // From the bottom up: the footer, the tracking number, the barcode above it.
  const footerY = PAGE.height - MARGIN - 10;
  doc.font('Helvetica').fontSize(8);
  line(`Ref ${input.reference}`, MARGIN, footerY, INNER * 0.7);
  line(`Weight ${formatWeight(input.weightGrams)}`, MARGIN + INNER * 0.7, footerY, INNER * 0.3, 'right');
  rule(doc, footerY - 6);
  const numberY = footerY - 28;
  // The number is never cut (it is what a person types when the scanner fails): a long one is smaller.
  doc.font('Helvetica-Bold').fontSize(14);
  doc.fontSize(Math.min(14, (14 * 0.98 * INNER) / doc.widthOfString(input.trackingNumber)));
  line(input.trackingNumber, MARGIN, numberY, INNER, 'center');

  const heightPx = Math.round((BAR_HEIGHT_PT / MAX_MODULE_PT) * PX_PER_MODULE);
  const barcode = await code128Png(input.trackingNumber, { pxPerModule: PX_PER_MODULE, heightPx });
  const moduleWidth = Math.min(MAX_MODULE_PT, INNER / barcode.modules);
  const width = barcode.modules * moduleWidth;
  doc.image(barcode.png, (PAGE.width - width) / 2, numberY - 6 - BAR_HEIGHT_PT, {
    width,
    height: BAR_HEIGHT_PT,
  });

  doc.end();
  return done;
}

type Line = (text: string, x: number, y: number, width: number) => void;

/** An address block under its caption; returns the y below it. */
function address(
  doc: PDFKit.PDFDocument,
  line: Line,
  caption: string,
  a: LabelAddress,
  top: number,
  size: { name: number; body: number; gap: number; maxLines: number },
): number {
  let y = top;
  doc.font('Helvetica-Bold').fontSize(7).fillColor('#444444');
  line(caption, MARGIN, y, INNER);
  doc.fillColor('black');
  y += 10;
  doc.font('Helvetica-Bold').fontSize(size.name);
  line(a.name, MARGIN, y, INNER);
  y += size.gap;
  doc.font('Helvetica').fontSize(size.body);
  for (const text of a.lines.slice(0, size.maxLines)) {
    line(text, MARGIN, y, INNER);
    y += size.gap;
  }
  doc.font('Helvetica-Bold');
  line(a.country, MARGIN, y, INNER);
  return y + size.gap;
}

function rule(doc: PDFKit.PDFDocument, y: number): void {
  doc
    .moveTo(MARGIN, y)
    .lineTo(PAGE.width - MARGIN, y)
    .lineWidth(0.75)
    .stroke('black');
}

/** 1250 → "1.25 kg", 500 → "500 g": exact, from whole grams. */
export function formatWeight(grams: number): string {
  if (grams < 1000) return `${grams} g`;
  const kg = Math.floor(grams / 1000);
  const rest = String(grams % 1000)
    .padStart(3, '0')
    .replace(/0+$/, '');
  return rest ? `${kg}.${rest} kg` : `${kg} kg`;
}
