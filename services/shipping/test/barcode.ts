// Reading a label's barcode back out of its PDF, as a scanner would read the printed label: the PDF's
// image XObjects are decoded to pixels (FlateDecode, then the PNG row predictors pdfkit keeps) and
// handed to an independent Code 128 reader (@zxing/library). Used by the label tests and the
// shipping flow test.
import { inflateSync } from 'node:zlib';
import zxing from '@zxing/library';

const { BinaryBitmap, Code128Reader, DecodeHintType, HybridBinarizer, RGBLuminanceSource } = zxing;

export interface PdfImage {
  /** The XObject's object number. */
  id: number;
  width: number;
  height: number;
  /** One luminance byte a pixel (0 black, 255 white), row by row from the top. */
  luminance: Uint8ClampedArray;
}

export interface ImagePlacement {
  name: string;
  /** The drawn size and position in points (the transformation matrix of the `Do`). */
  width: number;
  height: number;
  x: number;
  y: number;
}

interface PdfObject {
  dict: string;
  stream?: Buffer;
}

/** Every object of the PDF by number: its dictionary text and its (still encoded) stream. */
function pdfObjects(pdf: Buffer): Map<number, PdfObject> {
  const raw = pdf.toString('latin1');
  const objects = new Map<number, PdfObject>();
  for (const m of raw.matchAll(/(\d+) 0 obj\s*/g)) {
    const start = m.index + m[0].length;
    if (!raw.startsWith('<<', start)) continue;
    // The dictionary ends where its << >> nesting closes (DecodeParms may nest one inline).
    let depth = 0;
    let end = start;
    for (let i = start; i < raw.length - 1; i++) {
      if (raw[i] === '<' && raw[i + 1] === '<') {
        depth++;
        i++;
      } else if (raw[i] === '>' && raw[i + 1] === '>') {
        depth--;
        i++;
        if (depth === 0) {
          end = i + 1;
          break;
        }
      }
    }
    const dict = raw.slice(start, end);
    const streamStart = /^\s*stream\r?\n/.exec(raw.slice(end, end + 20));
    objects.set(Number(m[1]), { dict });
    if (streamStart) {
      const from = end + streamStart[0].length;
      const length = resolveNumber(dict, 'Length', objects, raw);
      const to = length ?? raw.indexOf('endstream', from);
      objects.get(Number(m[1]))!.stream = pdf.subarray(from, length === undefined ? to : from + length);
    }
  }
  return objects;
}

function resolveNumber(
  dict: string,
  key: string,
  objects: Map<number, PdfObject>,
  raw: string,
): number | undefined {
  const ref = new RegExp(`/${key}\\s+(\\d+) 0 R`).exec(dict);
  if (ref) {
    const known = objects.get(Number(ref[1]))?.dict;
    const text = known ?? new RegExp(`(?:^|\\s)${ref[1]} 0 obj\\s*(\\d+)`).exec(raw)?.[1];
    return text === undefined ? undefined : Number(text);
  }
  const direct = new RegExp(`/${key}\\s+(\\d+)`).exec(dict);
  return direct ? Number(direct[1]) : undefined;
}

/** The PDF's raster images as luminance pixels (8- or 1-bit gray, 8-bit RGB; Flate, PNG predictors). */
export function pdfImages(pdf: Buffer): PdfImage[] {
  const objects = pdfObjects(pdf);
  const images: PdfImage[] = [];
  for (const [id, obj] of objects) {
    if (!/\/Subtype\s*\/Image/.test(obj.dict) || !obj.stream) continue;
    const num = (key: string, dict = obj.dict) => {
      const m = new RegExp(`/${key}\\s+(\\d+)(?!\\s+0 R)`).exec(dict);
      return m ? Number(m[1]) : undefined;
    };
    const width = num('Width')!;
    const height = num('Height')!;
    const bits = num('BitsPerComponent') ?? 8;
    const colors = /\/ColorSpace\s*\/DeviceRGB/.test(obj.dict) ? 3 : 1;
    if (!/\/Filter\s*\/FlateDecode/.test(obj.dict)) throw new Error(`image ${id}: only FlateDecode is read`);
    const parmsRef = /\/DecodeParms\s+(\d+) 0 R/.exec(obj.dict);
    const parms = parmsRef ? (objects.get(Number(parmsRef[1]))?.dict ?? '') : obj.dict;
    const predictor = num('Predictor', parms) ?? 1;
    let data: Buffer = inflateSync(obj.stream);
    const rowBytes = Math.ceil((width * colors * bits) / 8);
    if (predictor >= 10)
      data = unpredictPng(data, rowBytes, Math.max(1, Math.ceil((colors * bits) / 8)), height);
    const luminance = new Uint8ClampedArray(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const row = y * rowBytes;
        let value: number;
        if (bits === 1) value = (data[row + (x >> 3)]! >> (7 - (x & 7))) & 1 ? 255 : 0;
        else if (colors === 1) value = data[row + x]!;
        else {
          const p = row + x * 3;
          value = (data[p]! + 2 * data[p + 1]! + data[p + 2]!) >> 2;
        }
        luminance[y * width + x] = value;
      }
    }
    images.push({ id, width, height, luminance });
  }
  return images;
}

/** Undoes the PNG filters (none, sub, up, average, Paeth) of each row. */
function unpredictPng(data: Buffer, rowBytes: number, bpp: number, rows: number): Buffer {
  const out = Buffer.alloc(rowBytes * rows);
  for (let y = 0; y < rows; y++) {
    const filter = data[y * (rowBytes + 1)]!;
    const src = y * (rowBytes + 1) + 1;
    const dst = y * rowBytes;
    for (let i = 0; i < rowBytes; i++) {
      const left = i >= bpp ? out[dst + i - bpp]! : 0;
      const up = y > 0 ? out[dst - rowBytes + i]! : 0;
      const upLeft = y > 0 && i >= bpp ? out[dst - rowBytes + i - bpp]! : 0;
      let base = 0;
      if (filter === 1) base = left;
      else if (filter === 2) base = up;
      else if (filter === 3) base = (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        base = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      }
      out[dst + i] = (data[src + i]! + base) & 0xff;
    }
  }
  return out;
}

/** Where the page's content streams draw images (`w 0 0 ±h x y cm /Name Do`). */
export function imagePlacements(pdf: Buffer): ImagePlacement[] {
  const placements: ImagePlacement[] = [];
  for (const { stream } of pdfObjects(pdf).values()) {
    if (!stream) continue;
    let content: string;
    try {
      content = inflateSync(stream).toString('latin1');
    } catch {
      continue;
    }
    const matrix = /([-\d.]+) 0 0 ([-\d.]+) ([-\d.]+) ([-\d.]+) cm\s*\/(\w+) Do/g;
    for (const m of content.matchAll(matrix)) {
      const [a, d, x, y] = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
      placements.push({ name: m[5]!, width: Math.abs(a), height: Math.abs(d), x, y: d < 0 ? y + d : y });
    }
  }
  return placements;
}

/** Reads a Code 128 barcode off an image, or undefined when there is none. */
export function readCode128(image: PdfImage): string | undefined {
  const source = new RGBLuminanceSource(image.luminance, image.width, image.height);
  const hints = new Map([[DecodeHintType.TRY_HARDER, true]]);
  try {
    return new Code128Reader().decode(new BinaryBitmap(new HybridBinarizer(source)), hints).getText();
  } catch {
    return undefined;
  }
}

/** The text of the first Code 128 barcode among the PDF's images; throws when none reads. */
export async function decodeLabelBarcode(pdf: Buffer): Promise<string> {
  const images = pdfImages(pdf);
  for (const image of images) {
    const text = readCode128(image);
    if (text !== undefined) return text;
  }
  throw new Error(`no readable Code 128 barcode among the PDF's ${images.length} image(s)`);
}
