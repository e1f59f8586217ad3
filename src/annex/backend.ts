// Key-value backends: which hash each backend uses, extension selection, hashing files into keys, verifying content.

import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { ArborError } from '../util/errors.js';
import type { Key } from './key.js';
import { splitKeyName } from './key.js';
import { forEachChunk, PIPELINE_CHUNK_BYTES } from './pipelined-io.js';

/** A git-annex key-value backend that arbor can generate keys with. */
export interface Backend {
  /** The backend name as it appears in keys (SHA256E, WORM, …). */
  readonly name: string;
  /** Node crypto hash name; undefined for WORM (keys from name, size and mtime). */
  readonly algorithm?: string;
  /** True if keys carry the file's extension (the `…E` backends). */
  readonly withExtension: boolean;
}

/** The backend git-annex uses unless configured otherwise. */
export const DEFAULT_BACKEND = 'SHA256E';

/** git-annex's default `annex.maxextensionlength`. */
export const DEFAULT_MAX_EXTENSION_LENGTH = 4;

/** Chunk size for hashing: with the next read overlapping the hashing, Node's SHA-256 outruns `openssl dgst` at 2 MiB. */
export const HASH_CHUNK_BYTES = PIPELINE_CHUNK_BYTES;

/** A backend name arbor does not know (or cannot hash with). */
export class UnknownBackendError extends ArborError {
  constructor(name: string) {
    super('EBACKEND', `unknown or unsupported key-value backend: ${name}`, { data: { backend: name } });
    this.name = 'UnknownBackendError';
  }
}

/** Hash families: backend base name → Node crypto algorithm. Each has a plain and an `…E` form. */
const HASHES: ReadonlyArray<readonly [string, string]> = [
  ['SHA256', 'sha256'],
  ['SHA512', 'sha512'],
  ['SHA224', 'sha224'],
  ['SHA384', 'sha384'],
  ['SHA3_256', 'sha3-256'],
  ['SHA3_512', 'sha3-512'],
  ['SHA3_224', 'sha3-224'],
  ['SHA3_384', 'sha3-384'],
  ['BLAKE2B512', 'blake2b512'],
  ['BLAKE2S256', 'blake2s256'],
  ['SHA1', 'sha1'],
  ['MD5', 'md5'],
];

const BACKENDS: ReadonlyMap<string, Backend> = new Map<string, Backend>([
  ...HASHES.flatMap(([name, algorithm]): Array<[string, Backend]> => [
    [`${name}E`, { name: `${name}E`, algorithm, withExtension: true }],
    [name, { name, algorithm, withExtension: false }],
  ]),
  ['WORM', { name: 'WORM', withExtension: false }],
]);

/** The backend called `name` (case-sensitive, as in keys), or undefined if arbor cannot generate its keys. */
export function getBackend(name: string): Backend | undefined {
  return BACKENDS.get(name);
}

/** Every backend arbor can generate keys with. */
export function listBackends(): readonly Backend[] {
  return [...BACKENDS.values()];
}

/**
 * The extension git-annex puts in an `…E` key for this file name ('' or e.g. '.jpeg', '.tar.gz').
 * Byte-based rules (Backend/Utilities.hs): take the base name, drop leading dots, take everything
 * from the first remaining '.', split on '.', and from the end keep parts while each is at most
 * `maxExtensionLength` bytes (stop at the first longer one), skip parts with bytes other than ASCII
 * letters/digits or >= 0x80, keep the last two, drop empty ones.
 */
export function selectExtension(fileName: string, maxExtensionLength: number = DEFAULT_MAX_EXTENSION_LENGTH): string {
  const slash = fileName.lastIndexOf('/');
  const base = (slash < 0 ? fileName : fileName.slice(slash + 1)).replace(/^\.+/, '');
  const dot = base.indexOf('.');
  if (dot < 0) return '';
  const parts = base.slice(dot + 1).split('.').reverse();
  const kept: string[] = [];
  for (const part of parts) {
    const bytes = Buffer.from(part, 'utf8');
    if (bytes.length > maxExtensionLength) break;
    if (!bytes.every(validInExtension)) continue;
    kept.push(part);
    if (kept.length === 2) break;
  }
  const nonEmpty = kept.reverse().filter((p) => p.length > 0);
  return nonEmpty.length === 0 ? '' : `.${nonEmpty.join('.')}`;
}

/** Options for keyFromDigest. */
export interface KeyFromDigestOptions {
  readonly backend: string;
  /** Lowercase hex digest of the content. */
  readonly digestHex: string;
  readonly size: number;
  /** The name that decides the extension for `…E` backends (only its base name counts). */
  readonly fileName: string;
  readonly maxExtensionLength?: number;
}

/** The key of already-hashed content (for streaming ingest). Not for WORM: use keyForFile. */
export function keyFromDigest(opts: KeyFromDigestOptions): Key {
  const backend = getBackend(opts.backend);
  if (backend?.algorithm === undefined) throw new UnknownBackendError(opts.backend);
  const extension = backend.withExtension ? selectExtension(opts.fileName, opts.maxExtensionLength) : '';
  return { backend: backend.name, size: opts.size, name: `${opts.digestHex}${extension}` };
}

/** Options for keyForFile. */
export interface KeyForFileOptions {
  /** Backend name (default SHA256E). */
  readonly backend?: string;
  /** Name that decides the extension; default basename(path). */
  readonly fileName?: string;
  readonly maxExtensionLength?: number;
  /** WORM only: the file's path relative to the top of the work tree, '/'-separated (default: fileName). */
  readonly relativePath?: string;
}

/** Computes the key git-annex would give the file at `path` (git annex calckey). */
export async function keyForFile(path: string, opts: KeyForFileOptions = {}): Promise<Key> {
  const backendName = opts.backend ?? DEFAULT_BACKEND;
  const backend = getBackend(backendName);
  if (backend === undefined) throw new UnknownBackendError(backendName);
  const fileName = opts.fileName ?? basename(path);
  if (backend.algorithm === undefined) {
    const st = await stat(path);
    return {
      backend: backend.name,
      size: st.size,
      mtime: Math.floor(st.mtimeMs / 1000),
      name: wormKeyName(opts.relativePath ?? fileName),
    };
  }
  const { digestHex, size } = await hashFile(path, backend.algorithm);
  return keyFromDigest({
    backend: backend.name,
    digestHex,
    size,
    fileName,
    ...(opts.maxExtensionLength === undefined ? {} : { maxExtensionLength: opts.maxExtensionLength }),
  });
}

/** An incremental hasher for one backend. */
export interface Hasher {
  update(chunk: Uint8Array): void;
  /** The lowercase hex digest; call once, after the last update. */
  digestHex(): string;
}

/** A streaming hasher for a hashing backend (throws UnknownBackendError for WORM and unknown names). */
export function createHasher(backend: string): Hasher {
  const algorithm = getBackend(backend)?.algorithm;
  if (algorithm === undefined) throw new UnknownBackendError(backend);
  const hash = createHash(algorithm);
  return {
    update: (chunk) => {
      hash.update(chunk);
    },
    digestHex: () => hash.digest('hex'),
  };
}

/**
 * Checks that the file at `path` is the content of `key`: its size (when the key records one) and,
 * for hashing backends, its digest. WORM, URL and unknown backends are checked by size only.
 * Returns false on a mismatch; throws on IO errors (missing file, permissions).
 */
export async function verifyKeyContent(key: Key, path: string): Promise<boolean> {
  const algorithm = getBackend(key.backend)?.algorithm;
  if (algorithm === undefined) {
    if (key.size === undefined) return true;
    return (await stat(path)).size === key.size;
  }
  if (key.size !== undefined && (await stat(path)).size !== key.size) return false;
  const { digestHex, size } = await hashFile(path, algorithm);
  if (key.size !== undefined && size !== key.size) return false;
  const expected = splitKeyName(key.name).base;
  // git-annex also accepts digests with a stray leading backslash, left by an old bug.
  return expected === digestHex || expected === `\\${digestHex}`;
}

/** Hashes a file in HASH_CHUNK_BYTES chunks, reading the next while hashing this one (never the whole file in memory). */
export async function hashFile(path: string, algorithm: string): Promise<{ digestHex: string; size: number }> {
  const hash = createHash(algorithm);
  const handle = await open(path, 'r');
  try {
    const size = await forEachChunk(handle, { chunkBytes: HASH_CHUNK_BYTES }, (chunk) => void hash.update(chunk));
    return { digestHex: hash.digest('hex'), size };
  } finally {
    await handle.close();
  }
}

/**
 * The name part of a WORM key for a path relative to the work tree top (git-annex genKeyName):
 * ASCII letters, digits and `. - _ / % :` are kept, ',' becomes ',,', any other character
 * becomes ',<decimal code point>'. If the path is longer than 64 UTF-8 bytes, the result is the
 * first 31 characters of the escaped form, '-', and the md5 of the original path's bytes.
 */
export function wormKeyName(relativePath: string): string {
  let escaped = '';
  for (const ch of relativePath) {
    if (/^[A-Za-z0-9._\-/%:]$/.test(ch)) escaped += ch;
    else if (ch === ',') escaped += ',,';
    else escaped += `,${ch.codePointAt(0) ?? 0}`;
  }
  const bytes = Buffer.from(relativePath, 'utf8');
  if (bytes.length <= 64) return escaped;
  return `${escaped.slice(0, 31)}-${createHash('md5').update(bytes).digest('hex')}`;
}

function validInExtension(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    byte === 0x2e ||
    byte >= 0x80
  );
}
