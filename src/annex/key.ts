// git-annex keys: parse and format "BACKEND[-sN][-mN][-SN-CN]--NAME" (doc/internals/key_format.mdwn).

import { ArborError } from '../util/errors.js';

/**
 * A git-annex key. `name` is the backend-specific part after `--` (for hashing backends the hex
 * digest, plus the extension for `…E` backends). Numeric fields are non-negative integers.
 */
export interface Key {
  readonly backend: string;
  readonly name: string;
  /** Content size in bytes (`-s`). */
  readonly size?: number;
  /** Modification time in seconds since the epoch (`-m`, WORM keys). */
  readonly mtime?: number;
  /** Size of one chunk (`-S`), for chunk keys. */
  readonly chunkSize?: number;
  /** 1-based chunk number (`-C`), for chunk keys. */
  readonly chunkNum?: number;
}

/** A text that should be a git-annex key is not one. */
export class InvalidKeyError extends ArborError {
  constructor(text: string, reason: string) {
    super('EBADKEY', `not a valid git-annex key (${reason}): ${JSON.stringify(text)}`, { data: { key: text } });
    this.name = 'InvalidKeyError';
  }
}

/** Longest extension (bytes, from the first '.' of the name) git-annex accepts in a `…E` key. */
export const MAX_KEY_EXTENSION_BYTES = 64;

/** The numeric fields in serialization order, with their one-letter tags. */
const FIELDS = [
  ['s', 'size'],
  ['m', 'mtime'],
  ['S', 'chunkSize'],
  ['C', 'chunkNum'],
] as const;

type NumericField = (typeof FIELDS)[number][1];

const DASH = 0x2d;

/**
 * Parses a serialized key with git-annex's strict rules: a non-empty backend without '-', then
 * the optional numeric fields strictly in the order -s -m -S -C (digits only), then `--` and the
 * name (anything, may contain '-', may be empty). For `…E` backends the extension (from the first
 * '.' of the name) must be at most 64 bytes. Returns undefined when `text` is not a valid key.
 *
 * Two deliberate differences from git-annex: numbers above 2^53-1 and names containing a
 * newline are rejected (git-annex accepts both; neither can come from a real file).
 */
export function parseKey(text: string): Key | undefined {
  const backendEnd = text.indexOf('-');
  if (backendEnd <= 0) return undefined;
  const fields: Partial<Record<NumericField, number>> = {};
  let pos = backendEnd;
  for (const [tag, field] of FIELDS) {
    if (text.charCodeAt(pos) !== DASH || text[pos + 1] !== tag) continue;
    let end = pos + 2;
    while (end < text.length && isDigit(text.charCodeAt(end))) end++;
    if (end === pos + 2) continue; // no digits: this field is absent (git-annex backtracks too)
    const value = Number(text.slice(pos + 2, end));
    if (!Number.isSafeInteger(value)) return undefined;
    fields[field] = value;
    pos = end;
  }
  if (text.charCodeAt(pos) !== DASH || text.charCodeAt(pos + 1) !== DASH) return undefined;
  const backend = text.slice(0, backendEnd);
  const name = text.slice(pos + 2);
  if (!validName(backend, name)) return undefined;
  return { backend, name, ...fields };
}

/** Like parseKey, but throws InvalidKeyError instead of returning undefined. */
export function requireKey(text: string): Key {
  const key = parseKey(text);
  if (key === undefined) throw new InvalidKeyError(text, 'unparseable');
  return key;
}

/**
 * Serializes a key the way git-annex does: fields in the order -s -m -S -C, then `--NAME`.
 * Throws InvalidKeyError for a key that would not parse back (empty backend or one with '-',
 * negative or fractional numbers, newline in the name, over-long extension in an `…E` key).
 */
export function formatKey(key: Key): string {
  let out = key.backend;
  if (out.length === 0 || out.includes('-')) throw new InvalidKeyError(out, 'bad backend name');
  for (const [tag, field] of FIELDS) {
    const value = key[field];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 0) throw new InvalidKeyError(`${key.backend}--${key.name}`, `bad ${field} ${value}`);
    out += `-${tag}${value}`;
  }
  if (!validName(key.backend, key.name)) throw new InvalidKeyError(`${key.backend}--${key.name}`, 'bad name');
  return `${out}--${key.name}`;
}

/** The key a chunk key belongs to (chunk fields dropped); other keys are returned unchanged. */
export function nonChunkKey(key: Key): Key {
  if (key.chunkSize === undefined && key.chunkNum === undefined) return key;
  const { chunkSize: _s, chunkNum: _n, ...rest } = key;
  return rest;
}

/** True if keys of this backend end their name with a file extension (SHA256E, MD5E, X…E, …). */
export function backendHasExtension(backend: string): boolean {
  return backend.endsWith('E');
}

/**
 * Splits a key name at its first '.' into the part before (the digest, for hashing backends) and
 * the extension (with its dot, '' if none), like git-annex's splitKeyNameExtension.
 */
export function splitKeyName(name: string): { base: string; extension: string } {
  const dot = name.indexOf('.');
  return dot < 0 ? { base: name, extension: '' } : { base: name.slice(0, dot), extension: name.slice(dot) };
}

/** True if both keys serialize the same (all fields equal). */
export function sameKey(a: Key, b: Key): boolean {
  return (
    a.backend === b.backend &&
    a.name === b.name &&
    a.size === b.size &&
    a.mtime === b.mtime &&
    a.chunkSize === b.chunkSize &&
    a.chunkNum === b.chunkNum
  );
}

const ESCAPE: Readonly<Record<string, string>> = { '&': '&a', '%': '&s', ':': '&c', '/': '%' };
const UNESCAPE: Readonly<Record<string, string>> = { '%': '/', '&a': '&', '&s': '%', '&c': ':' };

/**
 * A serialized key as a file name (git-annex keyFile): `&`→`&a`, `%`→`&s`, `:`→`&c`, `/`→`%`.
 * Used for object directories/files, branch log names and pointer files; hash directories are
 * computed on the unescaped key.
 */
export function keyToFileName(key: string): string {
  return key.replace(/[&%:/]/g, (c) => ESCAPE[c] ?? c);
}

/** Inverse of keyToFileName (git-annex fileKey): `%`→`/`, `&a`→`&`, `&s`→`%`, `&c`→`:`. */
export function fileNameToKey(name: string): string {
  return name.replace(/%|&[asc]/g, (s) => UNESCAPE[s] ?? s);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function validName(backend: string, name: string): boolean {
  if (name.includes('\n')) return false;
  if (!backendHasExtension(backend)) return true;
  const { extension } = splitKeyName(name);
  return extension.length === 0 || Buffer.byteLength(extension, 'utf8') <= MAX_KEY_EXTENSION_BYTES;
}
