import { deflateSync } from 'node:zlib';
import t from 'tap';
import { pdfText } from '../src/pdf.ts';

const pdfWith = (data: Buffer) =>
  Buffer.concat([
    Buffer.from(
      `%PDF-1.3\n1 0 obj\n<<\n/Length ${data.length}\n/Filter /FlateDecode\n>>\nstream\n`,
      'latin1',
    ),
    data,
    Buffer.from('\nendstream\nendobj\n%%EOF\n', 'latin1'),
  ]);
const drawing = (words: string) =>
  `BT /F1 12 Tf 50 700 Td <${Buffer.from(words, 'latin1').toString('hex')}> Tj ET`;

t.test('reads the text of a deflated content stream', async (t) => {
  t.equal(pdfText(pdfWith(deflateSync(drawing('Invoice 2026-000001')))), 'Invoice 2026-000001');
});

t.test('a stream whose deflated bytes end in CR is read whole, not cut before the CR', async (t) => {
  // Deflate ends with an Adler-32 checksum: about one text in 256 ends in 0x0d.
  let n = 0;
  let data = deflateSync(drawing(`Invoice 2026-${n}`));
  while (data.at(-1) !== 0x0d) data = deflateSync(drawing(`Invoice 2026-${++n}`));
  t.equal(pdfText(pdfWith(data)), `Invoice 2026-${n}`);
});
