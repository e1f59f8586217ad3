// The value part of remote.log lines: a special remote's settings as "k=v k=v" (Logs/Remote/Pure.hs).
import { compareByteOrder } from './union-merge.js';

/**
 * Haskell's `isSpace`, which git-annex uses both to split the pairs and to decide what to escape:
 * tab, newline, vertical tab, form feed, carriage return, and the Unicode space separators (Zs,
 * which include U+0020 and U+00A0). Unlike JS `\s` it does not match U+2028, U+2029 or U+FEFF.
 */
const HASKELL_SPACE = /[\t\n\v\f\r\p{Zs}]/u;
const HASKELL_SPACES = /[\t\n\v\f\r\p{Zs}]+/u;

/** Undoes configEscape: `&<decimal>;` becomes that code point; any other `&` stays literal. */
function unescapeValue(text: string): string {
  return text.replace(/&(\d+);/g, (whole, digits: string) => {
    const code = Number(digits);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** Escapes whitespace and `&` as `&<decimal code point>;` so a value is one word. */
function escapeValue(text: string): string {
  let out = '';
  for (const ch of text) {
    out += ch === '&' || HASKELL_SPACE.test(ch) ? `&${ch.codePointAt(0) ?? 0};` : ch;
  }
  return out;
}

/**
 * Parses the settings of one remote.log entry (the value between the UUID and `timestamp=`).
 * Words are split on whitespace; each is `key=value` split at the first `=` (a word without `=`
 * is a key with an empty value); values are unescaped. A repeated key keeps its last value.
 */
export function parseRemoteConfig(value: string): Map<string, string> {
  const config = new Map<string, string>();
  for (const word of value.split(HASKELL_SPACES)) {
    if (word === '') continue;
    const eq = word.indexOf('=');
    if (eq === -1) config.set(word, '');
    else config.set(word.slice(0, eq), unescapeValue(word.slice(eq + 1)));
  }
  return config;
}

/**
 * Formats settings as git-annex stores them in remote.log: `key=value` pairs sorted by key (code
 * point order), separated by single spaces, values escaped (`/tmp/x y&z` becomes
 * `/tmp/x&32;y&38;z`). Keys are written raw: they must not contain whitespace or `=` (git-annex
 * has the same limit).
 */
export function formatRemoteConfig(config: ReadonlyMap<string, string>): string {
  return [...config.keys()]
    .sort(compareByteOrder)
    .map((k) => `${k}=${escapeValue(config.get(k) ?? '')}`)
    .join(' ');
}
