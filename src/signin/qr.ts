/**
 * A QR code of the verification link, as one SVG path (no HTML strings, no
 * canvas): `qrcode-generator` computes the modules, this draws them.
 */
import qrcode from 'qrcode-generator';

/** A QR code as an SVG path over a square of `size` modules (quiet zone included). */
export interface IQrPath {
  size: number;
  path: string;
}

/** Modules of white border around the code (the standard asks for 4). */
export const QUIET_ZONE = 4;

/**
 * The QR code of `text` (error correction M, the smallest version that fits).
 *
 * @param text what the code holds (the verification link)
 * @returns the path of its dark modules and the side of the square
 */
export function qrPath(text: string): IQrPath {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const count = qr.getModuleCount();
  const parts: string[] = [];
  for (let row = 0; row < count; row++) {
    for (let col = 0; col < count; col++) {
      if (qr.isDark(row, col)) {
        parts.push(`M${col + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`);
      }
    }
  }
  return { size: count + 2 * QUIET_ZONE, path: parts.join('') };
}
