// The tracking number as a Code 128 barcode, drawn by bwip-js (a well-kept barcode library) as a PNG
// the label embeds. Whole pixels a module and a quiet zone of ten modules on each side, so a scanner
// reads the printed label.

export const QUIET_ZONE_MODULES = 10;

export interface BarcodeImage {
  png: Buffer;
  /** Modules across the image, quiet zones included (each one `pxPerModule` pixels wide). */
  modules: number;
  widthPx: number;
  heightPx: number;
}

/** bwip-js measures bar height in millimetres at 72 dpi before scaling. */
const PX_PER_MM_AT_SCALE_1 = 72 / 25.4;

export async function code128Png(
  text: string,
  opts: { pxPerModule: number; heightPx: number },
): Promise<BarcodeImage> {
  // A tracking number is printable ASCII; anything else would be a carrier's bug, not a label.
  if (!/^[\x20-\x7e]+$/.test(text)) throw new Error(`not printable ASCII: ${JSON.stringify(text)}`);
  // Loaded with the first label, not at start (as pdfkit in label-pdf.ts).
  const { default: bwipjs } = await import('bwip-js/node');
  const png = await bwipjs.toBuffer({
    bcid: 'code128',
    text,
    scale: opts.pxPerModule,
    height: opts.heightPx / opts.pxPerModule / PX_PER_MM_AT_SCALE_1,
    paddingwidth: QUIET_ZONE_MODULES,
    paddingheight: 0,
    // Opaque white, not transparent: a label printer and a PDF viewer agree on what is a bar.
    backgroundcolor: 'FFFFFF',
  });
  // The PNG header: width and height at bytes 16 and 20.
  const widthPx = png.readUInt32BE(16);
  const heightPx = png.readUInt32BE(20);
  return { png, modules: widthPx / opts.pxPerModule, widthPx, heightPx };
}
