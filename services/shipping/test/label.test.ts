// The label PDF as a scanner and a person read it: the barcode image is taken out of the PDF and
// decoded by an independent Code 128 reader (@zxing/library) back to the tracking number; the text
// shows both addresses, the number, the level and the reference.
import { pdfText } from '@mercato/testing';
import t from 'tap';
import { code128Png } from '../src/domain/barcode.ts';
import { formatWeight, type LabelInput, renderLabel } from '../src/domain/label-pdf.ts';
import { decodeLabelBarcode, imagePlacements, pdfImages, readCode128 } from './barcode.ts';

const MM = 72 / 25.4; // points

const store = { name: 'Mercato Store Hamburg', lines: ['12 Dock Road', '20457 Hamburg'], country: 'DE' };
const customer = { name: 'Ann Example', lines: ['1 Market Street', '10115 Berlin'], country: 'DE' };

const label = (overrides: Partial<LabelInput> = {}): LabelInput => ({
  kind: 'outbound',
  carrier: 'fake-carrier',
  trackingNumber: 'FC0123456789012345',
  level: 'standard',
  from: store,
  to: customer,
  reference: '0193a8b2-7c1d-7e4f-9a2b-3c4d5e6f7a8b',
  weightGrams: 1250,
  ...overrides,
});

const pages = (pdf: Buffer) => pdf.toString('latin1').match(/\/Type \/Page\b/g)?.length ?? 0;

t.test(
  'an express label: the barcode decodes to the tracking number; addresses, level and reference show',
  async (t) => {
    const pdf = await renderLabel(label({ level: 'express' }));
    t.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    t.equal(pages(pdf), 1, 'one page');
    t.equal(await decodeLabelBarcode(pdf), 'FC0123456789012345', 'the barcode is the tracking number');

    const text = pdfText(pdf);
    for (const expected of [
      'fake-carrier',
      'EXPRESS',
      'Mercato Store Hamburg',
      '12 Dock Road',
      '20457 Hamburg',
      'Ann Example',
      '1 Market Street',
      '10115 Berlin',
      'FC0123456789012345',
      '0193a8b2-7c1d-7e4f-9a2b-3c4d5e6f7a8b',
      '1.25 kg',
    ])
      t.match(text, expected, `shows ${expected}`);
    t.notMatch(text, 'RETURN');
    t.ok(
      text.indexOf('Mercato Store Hamburg') < text.indexOf('Ann Example'),
      'from the store, to the customer',
    );
  },
);

t.test('the label is 4 × 6 inches and the barcode is printed at a scannable size', async (t) => {
  const pdf = await renderLabel(label());
  t.match(pdf.toString('latin1'), /\/MediaBox \[0 0 288 432\]/, '4 × 6 in');
  const [image] = pdfImages(pdf);
  const [placed] = imagePlacements(pdf);
  t.ok(image && placed, 'one image, drawn once');
  // Modules across the symbol, quiet zones included, as the barcode library drew them.
  const { modules } = await code128Png('FC0123456789012345', { pxPerModule: 3, heightPx: 90 });
  const moduleWidthMm = placed!.width / modules / MM;
  t.ok(moduleWidthMm >= 0.25, `narrowest bar ${moduleWidthMm.toFixed(2)} mm (>= 0.25 mm)`);
  t.ok(placed!.height >= 12.7 * MM, 'bars at least half an inch tall');
  t.ok(placed!.x >= 0 && placed!.x + placed!.width <= 288, 'within the page');
  t.equal(image!.width % modules, 0, 'whole pixels a module');
});

t.test('a return label says RETURN and carries the return parcel’s number', async (t) => {
  const pdf = await renderLabel(
    label({
      kind: 'return',
      from: customer,
      to: store,
      trackingNumber: 'FC9988776655443322',
      reference: 'ret-1',
    }),
  );
  t.equal(await decodeLabelBarcode(pdf), 'FC9988776655443322');
  const text = pdfText(pdf);
  t.match(text, 'RETURN');
  t.match(text, 'STANDARD');
  t.ok(
    text.indexOf('Ann Example') < text.indexOf('Mercato Store Hamburg'),
    'from the customer, to the store',
  );
  t.match(text, 'Ref ret-1');
});

t.test('tracking numbers of every shape decode back exactly', async (t) => {
  // Letters, digit runs of odd and even length at the start, middle and end, punctuation, lower case.
  for (const trackingNumber of [
    'FC0123456789012345',
    '1Z999AA10123456784',
    '123456789',
    '12',
    '7',
    'JJD0001234567890',
    'AB12C345678D9',
    'ab-12/cd.34_Z',
    'RR123456785DE',
    'X'.repeat(30),
  ]) {
    const pdf = await renderLabel(label({ trackingNumber }));
    t.equal(await decodeLabelBarcode(pdf), trackingNumber, trackingNumber);
    t.match(pdfText(pdf), trackingNumber, 'and printed under it');
  }
});

t.test('long addresses are cut to the label, which stays one page', async (t) => {
  const long = 'Very Long Street Name That Goes On And On '.repeat(3);
  const pdf = await renderLabel(
    label({ to: { name: 'N'.repeat(120), lines: [long, long, long, long, long, long], country: 'DE' } }),
  );
  t.equal(pages(pdf), 1);
  t.equal(await decodeLabelBarcode(pdf), 'FC0123456789012345', 'the barcode is still whole');
  t.match(pdfText(pdf), 'Very Long Street', 'the start of the line is kept');
});

t.test('an image that is not a barcode reads as none', async (t) => {
  const pdf = await renderLabel(label());
  const [image] = pdfImages(pdf);
  const blank = { ...image!, luminance: new Uint8ClampedArray(image!.luminance.length).fill(255) };
  t.equal(readCode128(blank), undefined);
});

t.test('a tracking number that cannot be printed as Code 128 is refused', async (t) => {
  await t.rejects(renderLabel(label({ trackingNumber: 'FC1\n' })), /printable ASCII/);
  await t.rejects(renderLabel(label({ trackingNumber: 'FCÄ123' })), /printable ASCII/);
});

t.test('weights print exactly', async (t) => {
  t.equal(formatWeight(1), '1 g');
  t.equal(formatWeight(999), '999 g');
  t.equal(formatWeight(1000), '1 kg');
  t.equal(formatWeight(1250), '1.25 kg');
  t.equal(formatWeight(20_005), '20.005 kg');
});
