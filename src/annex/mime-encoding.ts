// libmagic's MIME encoding (`file --mime-encoding`, what git-annex's mimeencoding= sees), computed from the first bytes.
//
// libmagic 5.44 (the one git-annex 10.20230126 links on Debian) decides the encoding in
// src/encoding.c file_encoding() alone — recognising a format (PDF, GIF, JSON) never changes it,
// which we checked with `file`: a PDF whose first 64 KiB are ASCII is "us-ascii". The rules, in order:
// - an empty or one-byte file is "binary" (funcs.c file_buffer gives up before looking);
// - only the first 65536 bytes are looked at (the `encoding` parameter, FILE_ENCODING_MAX);
// - every byte "text" → "us-ascii" ("utf-7" if it starts with +/v8, +/v9, +/v+ or +/v/);
//   text bytes are 0x20–0x7e and BEL BS HT LF VT FF CR ESC;
// - a UTF-8 BOM followed by valid UTF-8 without odd control bytes → "utf-8", and so is valid UTF-8
//   with at least one multibyte character (a sequence cut by the 64 KiB limit still counts, but
//   a cut one alone does not make it UTF-8);
// - a UTF-32 then UTF-16 byte-order mark whose code units below 128 are all text → "utf-32le",
//   "utf-32be", "utf-16le", "utf-16be";
// - text bytes plus 0xa0–0xff → "iso-8859-1"; plus 0x80–0x9f → "unknown-8bit";
// - the bytes read as EBCDIC (POSIX dd table) are text → "ebcdic"; anything else → "binary".
import { open } from 'node:fs/promises';

/** How many leading bytes libmagic's encoding check looks at. */
export const MIME_ENCODING_BYTES = 65536;

/** Byte classes: F never in text, T ASCII text, I ISO-8859 text, X non-ISO extended ASCII. */
const TEXT_CHARS =
  'FFFFFFFTTTTTTTFFFFFFFFFFFFFTFFFFTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT' +
  'TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTF' +
  'XXXXXTXXXXXXXXXXXXXXXXXXXXXXXXXXIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIII' +
  'IIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIII';

/** The class of each byte after the POSIX dd EBCDIC→ASCII conversion libmagic uses. */
const EBCDIC_CHARS =
  'FFFFXTXFXXXTTTFFFFFFXTTXFFXXFFFFXXXXXTFTXXXXXFFTXXFXXXXFXXXXFFXF' +
  'TIIIIIIIIIITTTTTTIIIIIIIIITTTTTTTTIIIIIIIIITTTTTIIIIIIIIITTTTTTT' +
  'ITTTTTTTTTIIIIIIITTTTTTTTTTIIIIIIITTTTTTTTIIITIIIIIIIIIIIIIIITII' +
  'TTTTTTTTTTIIIIIITTTTTTTTTTIIIIIITXTTTTTTTTIIIIIITTTTTTTTTTIIIIII';

/**
 * The encoding libmagic reports for a file whose content starts with `head`. Pass at least the
 * first MIME_ENCODING_BYTES bytes, or the whole file when it is shorter (the length of a shorter
 * `head` is taken as the file's size).
 */
export function detectMimeEncoding(head: Uint8Array): string {
  if (head.length <= 1) return 'binary';
  const buf = head.length > MIME_ENCODING_BYTES ? head.subarray(0, MIME_ENCODING_BYTES) : head;
  if (allIn(buf, TEXT_CHARS, 'T')) return looksUtf7(buf) ? 'utf-7' : 'us-ascii';
  if (buf.length > 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf && looksUtf8(buf.subarray(3)) > 0) return 'utf-8';
  if (looksUtf8(buf) > 1) return 'utf-8';
  const u32 = looksUnicode(buf, 4);
  if (u32 !== undefined) return `utf-32${u32}`;
  const u16 = looksUnicode(buf, 2);
  if (u16 !== undefined) return `utf-16${u16}`;
  if (allIn(buf, TEXT_CHARS, 'TI')) return 'iso-8859-1';
  if (allIn(buf, TEXT_CHARS, 'TIX')) return 'unknown-8bit';
  if (allIn(buf, EBCDIC_CHARS, 'TI')) return 'ebcdic'; // EBCDIC text, plain or international
  return 'binary';
}

/** Reads the first MIME_ENCODING_BYTES of a file (following symlinks) and classifies them. */
export async function mimeEncodingOfFile(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    // libmagic reports "binary" for anything that is not a regular file (inode/… types).
    if (!(await fh.stat()).isFile()) return 'binary';
    const buf = new Uint8Array(MIME_ENCODING_BYTES);
    let filled = 0;
    while (filled < buf.length) {
      const { bytesRead } = await fh.read(buf, filled, buf.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return detectMimeEncoding(buf.subarray(0, filled));
  } finally {
    await fh.close();
  }
}

function allIn(buf: Uint8Array, table: string, classes: string): boolean {
  for (const b of buf) if (!classes.includes(table[b] as string)) return false;
  return true;
}

function looksUtf7(buf: Uint8Array): boolean {
  // '+', '/', 'v', then one of '8' '9' '+' '/', and more than four bytes in all.
  return buf.length > 4 && buf[0] === 0x2b && buf[1] === 0x2f && buf[2] === 0x76 && [0x38, 0x39, 0x2b, 0x2f].includes(buf[3] ?? 0);
}

/**
 * libmagic's file_looks_utf8: -1 invalid UTF-8, 0 valid but with non-text control bytes,
 * 1 plain 7-bit text, 2 UTF-8 with at least one complete multibyte character.
 */
function looksUtf8(buf: Uint8Array): number {
  let ctrl = false;
  let gotOne = false;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i] as number;
    if ((b & 0x80) === 0) {
      if (TEXT_CHARS[b] !== 'T') ctrl = true;
      continue;
    }
    if ((b & 0x40) === 0 || b < 0xc2 || b > 0xf4) return -1; // stray continuation, overlong, > U+10FFFF
    const following = b < 0xe0 ? 1 : b < 0xf0 ? 2 : 3;
    // The second byte's allowed range (no overlongs, no surrogates, nothing above U+10FFFF).
    const [lo, hi] = b === 0xe0 ? [0xa0, 0xbf] : b === 0xed ? [0x80, 0x9f] : b === 0xf0 ? [0x90, 0xbf] : b === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    for (let n = 0; n < following; n++) {
      i++;
      if (i >= buf.length) return ctrl ? 0 : gotOne ? 2 : 1; // cut off at the end: not counted
      const c = buf[i] as number;
      if (n === 0 && (c < lo || c > hi)) return -1;
      if ((c & 0xc0) !== 0x80) return -1;
    }
    gotOne = true;
  }
  return ctrl ? 0 : gotOne ? 2 : 1;
}

/**
 * UTF-32 (width 4) or UTF-16 (width 2) behind a byte-order mark: "le"/"be", or undefined.
 * Every whole code unit after the mark must not be U+FFFE and, below 128, must be text.
 */
function looksUnicode(buf: Uint8Array, width: 2 | 4): 'le' | 'be' | undefined {
  if (buf.length < width) return undefined;
  const le = width === 2 ? buf[0] === 0xff && buf[1] === 0xfe : buf[0] === 0xff && buf[1] === 0xfe && buf[2] === 0 && buf[3] === 0;
  const be = width === 2 ? buf[0] === 0xfe && buf[1] === 0xff : buf[0] === 0 && buf[1] === 0 && buf[2] === 0xfe && buf[3] === 0xff;
  if (!le && !be) return undefined;
  for (let i = width; i + width - 1 < buf.length; i += width) {
    let unit = 0;
    for (let k = 0; k < width; k++) {
      const byte = buf[le ? i + width - 1 - k : i + k] as number;
      unit = unit * 256 + byte;
    }
    if (unit === 0xfffe) return undefined;
    if (unit < 128 && TEXT_CHARS[unit] !== 'T') return undefined;
  }
  return le ? 'le' : 'be';
}
