// Variant file names for conflict resolution: git-annex's `.variant-XXXX` scheme (Annex/VariantFile.hs).

import { createHash } from 'node:crypto';
import { keyToFileName } from '../annex/key.js';

/**
 * What git-annex inserts before the last extension of a conflicted file's name
 * (doc/automatic_conflict_resolution.mdwn).
 */
export const VARIANT_MARKER = '.variant-';

/**
 * `path` with `VARIANT_MARKER + tag` inserted before the last extension of its file name:
 * `dir/photo.jpg` → `dir/photo.variant-<tag>.jpg`. The extension is everything from the last '.'
 * of the file name, even at its start (`.hidden` → `.variant-<tag>.hidden`, `foo.` →
 * `foo.variant-<tag>.`), as Haskell's takeExtension splits it; a name without '.' gets the marker
 * appended (`README` → `README.variant-<tag>`). Paths are repository-relative with '/' separators.
 */
export function variantName(path: string, tag: string): string {
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash + 1);
  const name = path.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  const stem = dot < 0 ? name : name.slice(0, dot);
  const extension = dot < 0 ? '' : name.slice(dot);
  return `${dir}${stem}${VARIANT_MARKER}${tag}${extension}`;
}

/** The first four hex digits of the MD5 of `text` (UTF-8): git-annex's deliberately weak shortHash. */
export function shortHash(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex').slice(0, 4);
}

/** The longest file name (one path component, in bytes) Linux file systems take. */
export const NAME_MAX = 255;

/** The file name of `path` cut before its first variant marker, with its last extension kept: `d/p.variant-1a2b.variant-….jpg.jpg` → `d/p.jpg`. */
export function originalName(path: string): string {
  const slash = path.lastIndexOf('/');
  const name = path.slice(slash + 1);
  const at = name.indexOf(VARIANT_MARKER);
  if (at < 0) return path;
  const dot = name.lastIndexOf('.');
  const extension = dot > at ? name.slice(dot) : '';
  return `${path.slice(0, slash + 1)}${name.slice(0, at)}${extension}`;
}

const nameBytes = (path: string): number => Buffer.byteLength(path.slice(path.lastIndexOf('/') + 1));

/**
 * A variant name that fits in NAME_MAX bytes. A variant of a variant names the whole key each
 * time, so a file that conflicts again and again (a short-hash collision, then modify/delete
 * conflicts between copies that resolved it at different times) would grow past what the file
 * system takes, and every later merge would fail on it. Past the limit the earlier tags are
 * dropped (`originalName`) and the whole key is named; if even that is too long, the short hash;
 * if even that is, the stem is shortened.
 */
function bounded(path: string, variant: string, key: string): string {
  if (nameBytes(variant) <= NAME_MAX) return variant;
  const base = originalName(path);
  for (const tag of [keyToFileName(key), shortHash(key)]) {
    const v = variantName(base, tag);
    if (nameBytes(v) <= NAME_MAX) return v;
  }
  const v = variantName(base, shortHash(key));
  const slash = v.lastIndexOf('/');
  // Whole characters go from the front of the stem, so the tag and extension stay and no UTF-8 sequence is cut.
  const chars = [...v.slice(slash + 1)];
  while (Buffer.byteLength(chars.join('')) > NAME_MAX) chars.shift();
  return `${v.slice(0, slash + 1)}${chars.join('')}`;
}

/**
 * The name git-annex gives the version of `path` that holds `key` (a serialized key) when it
 * resolves a merge conflict: `variantName(path, shortHash(key))`, so both sides of a conflict
 * resolved in any repository get the same names. When `path` already contains ".variant-"
 * anywhere (a variant that conflicted again, or a directory named so), the whole key escaped as a
 * file name is used instead of the short hash, so a short-hash collision cannot recur
 * (verified with git-annex 10.20230126: `p.variant-1234.jpg` →
 * `p.variant-1234.variant-SHA256E-s21--….jpg.jpg`).
 *
 * Two departures, both only where git-annex's name would keep growing: a path whose file name
 * already names this key as its variant (`….variant-<whole key>…`) is that version's name and is
 * kept, so a version that conflicts again (modify/delete) is not renamed after itself; and a name
 * longer than NAME_MAX bytes is shortened (`bounded`).
 */
export function variantPath(path: string, key: string): string {
  const whole = keyToFileName(key);
  if (path.slice(path.lastIndexOf('/') + 1).includes(`${VARIANT_MARKER}${whole}`)) return path;
  return bounded(path, variantName(path, path.includes(VARIANT_MARKER) ? whole : shortHash(key)), key);
}

/** The long form of a variant name (always the whole escaped key), for when the short one is taken. */
export function longVariantPath(path: string, key: string): string {
  return bounded(path, variantName(path, keyToFileName(key)), key);
}
