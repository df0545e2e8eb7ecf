// Reading what a generated PDF says, for tests of documents (invoices) without a PDF library.
import { inflateSync } from 'node:zlib';

function inflated(data: string): string | undefined {
  try {
    return inflateSync(Buffer.from(data, 'latin1')).toString('latin1');
  } catch {
    return undefined;
  }
}

/** The text a PDF draws: its (deflated) content streams' hex strings, decoded, in order. */
export function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  let text = '';
  for (const m of raw.matchAll(/stream\r?\n([\s\S]*?)(\r?)\nendstream/g)) {
    // A deflated stream may itself end in a CR byte, which the pattern above would take for the
    // line ending before `endstream` (one stream in 256): then the data is one byte longer.
    const content = inflated(m[1]!) ?? (m[2] ? inflated(m[1]! + m[2]) : undefined);
    if (content === undefined) continue; // not deflated content (a font, an image)
    for (const h of content.matchAll(/<([0-9a-fA-F]+)>/g))
      text += Buffer.from(h[1]!, 'hex').toString('latin1');
  }
  return text;
}
