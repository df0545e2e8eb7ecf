// Reading what a generated PDF says, for tests of documents (invoices) without a PDF library.
import { inflateSync } from 'node:zlib';

/** The text a PDF draws: its (deflated) content streams' hex strings, decoded, in order. */
export function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  let text = '';
  for (const m of raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let content: string;
    try {
      content = inflateSync(Buffer.from(m[1]!, 'latin1')).toString('latin1');
    } catch {
      continue; // not deflated content (a font, an image)
    }
    for (const h of content.matchAll(/<([0-9a-fA-F]+)>/g))
      text += Buffer.from(h[1]!, 'hex').toString('latin1');
  }
  return text;
}
