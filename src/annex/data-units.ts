// Byte sizes written the way git-annex reads them (Utility/DataUnits.hs readSize with dataUnits).
//
// Verified against git-annex 10.20230126 (`largerthan=…`): the number is read like Haskell's
// `reads :: Double` (decimal with optional fraction and exponent, 0x/0o integers, a leading '-',
// `Infinity`, `NaN`; no '+', no leading '.'); the unit is the run of letters after it (anything
// after that is ignored: `1kb!` is 1000), matched case-insensitively against the abbreviation, the
// name, the plural name, or the abbreviation without its final "b" (`k`, `Ki`, `m`); no unit means
// bytes. kB/MB/… are powers of 1000, KiB/MiB/… of 1024, kbit/Mbit/… are bits (powers of 1000 / 8).
// "mb" is a megabyte, not a megabit. The product is rounded half to even (Haskell `round`):
// `2.5` is 2 bytes, `0.0015kb` is 2.

/** One unit: its size in bytes, abbreviation and name (lookup order matters: first match wins). */
interface Unit {
  readonly bytes: bigint;
  readonly abbrev: string;
  readonly name: string;
}

const pow = (base: bigint, n: number): bigint => base ** BigInt(n);

const STORAGE = ['Q', 'R', 'Y', 'Z', 'E', 'P', 'T', 'G', 'M', 'k'];
const STORAGE_NAMES = ['quetta', 'ronna', 'yotta', 'zetta', 'exa', 'peta', 'tera', 'giga', 'mega', 'kilo'];
const COMMITTEE = ['Yi', 'Zi', 'Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'];
const COMMITTEE_NAMES = ['yobi', 'zebi', 'exbi', 'pebi', 'tebi', 'gibi', 'mebi', 'kibi'];
const BANDWIDTH = ['Y', 'Z', 'E', 'P', 'T', 'G', 'M', 'k'];
const BANDWIDTH_NAMES = ['yotta', 'zetta', 'exa', 'peta', 'tera', 'giga', 'mega', 'kilo'];

/** git-annex's dataUnits: storage units, then committee units, then bandwidth units. */
const UNITS: readonly Unit[] = [
  ...STORAGE.map((p, i) => ({ bytes: pow(1000n, 10 - i), abbrev: `${p}B`, name: `${STORAGE_NAMES[i] ?? ''}byte` })),
  { bytes: 1n, abbrev: 'B', name: 'byte' },
  ...COMMITTEE.map((p, i) => ({ bytes: pow(1024n, 8 - i), abbrev: `${p}B`, name: `${COMMITTEE_NAMES[i] ?? ''}byte` })),
  { bytes: 1n, abbrev: 'B', name: 'byte' },
  ...BANDWIDTH.map((p, i) => ({ bytes: pow(1000n, 8 - i) / 8n, abbrev: `${p}bit`, name: `${BANDWIDTH_NAMES[i] ?? ''}bit` })),
];

/** Haskell's isSpace (ASCII whitespace, NBSP, and the Unicode space separators). */
export const HASKELL_SPACE = /[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/u;

/**
 * The size in bytes git-annex reads from `text`, or undefined where it reports "bad size".
 * May be ±Infinity (`1e500`, `-Infinity`); `NaN` reads as -Infinity, as GHC rounds it to a huge
 * negative number.
 */
export function parseDataSize(text: string): number | undefined {
  const num = readHaskellDouble(text);
  if (num === undefined) return undefined;
  const unitName = takeLetters(dropSpaces(num.rest));
  let multiplier = 1n;
  if (unitName !== '') {
    const found = lookupUnit(unitName);
    if (found === undefined) return undefined;
    multiplier = found;
  }
  return roundHalfEven(num.value * Number(multiplier));
}

function lookupUnit(name: string): bigint | undefined {
  const v = haskellLower(name);
  for (const u of UNITS) {
    const a = haskellLower(u.abbrev);
    const n = haskellLower(u.name);
    if (a === v || n === v || `${n}s` === v || a === `${v}b`) return u.bytes;
  }
  return undefined;
}

/** Haskell `round` on a Double: half to even; NaN → -Infinity (see parseDataSize). */
export function roundHalfEven(x: number): number {
  if (Number.isNaN(x)) return -Infinity;
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** Haskell's `reads :: ReadS Double`, first (longest) parse: the value and the unread rest. */
export function readHaskellDouble(text: string): { value: number; rest: string } | undefined {
  let s = dropSpaces(text);
  let negative = false;
  if (s.startsWith('-')) {
    // "-" must lex as a symbol on its own: "--1" or "-.5" do not read.
    if (/^-[!#$%&*+./<=>?@\\^|~:-]/.test(s)) return undefined;
    negative = true;
    s = dropSpaces(s.slice(1));
  }
  const num = lexNumber(s);
  if (num === undefined) return undefined;
  return { value: negative ? -num.value : num.value, rest: s.slice(num.length) };
}

function lexNumber(s: string): { value: number; length: number } | undefined {
  const hex = /^0[xX]([0-9a-fA-F]+)/.exec(s);
  if (hex) return { value: Number(BigInt(`0x${hex[1] ?? ''}`)), length: hex[0].length };
  const oct = /^0[oO]([0-7]+)/.exec(s);
  if (oct) return { value: Number(BigInt(`0o${oct[1] ?? ''}`)), length: oct[0].length };
  const dec = /^[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(s);
  if (dec) return { value: Number(dec[0]), length: dec[0].length };
  // Infinity and NaN are identifiers to Haskell's lexer: the whole identifier must be the word.
  const ident = /^[\p{L}_][\p{L}\p{N}_']*/u.exec(s);
  if (ident?.[0] === 'Infinity') return { value: Infinity, length: ident[0].length };
  if (ident?.[0] === 'NaN') return { value: NaN, length: ident[0].length };
  return undefined;
}

function dropSpaces(s: string): string {
  let i = 0;
  const chars = [...s];
  while (i < chars.length && HASKELL_SPACE.test(chars[i] as string)) i++;
  return chars.slice(i).join('');
}

function takeLetters(s: string): string {
  const m = /^\p{L}*/u.exec(s);
  return m ? m[0] : '';
}

/** Haskell's per-character toLower (simple case mapping: never changes the length). */
function haskellLower(s: string): string {
  return [...s]
    .map((c) => {
      const l = c.toLowerCase();
      return [...l].length === 1 ? l : c === '\u0130' ? 'i' : c;
    })
    .join('');
}
