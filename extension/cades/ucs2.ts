// CADESCOM_STRING_TO_UCS2LE: the plug-in signs and hashes a JS string as its UTF-16 code units, little-endian.

export function utf16le(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    out[2 * i] = unit & 0xff;
    out[2 * i + 1] = unit >> 8;
  }
  return out;
}
