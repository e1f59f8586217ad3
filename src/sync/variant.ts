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

/**
 * The name git-annex gives the version of `path` that holds `key` (a serialized key) when it
 * resolves a merge conflict: `variantName(path, shortHash(key))`, so both sides of a conflict
 * resolved in any repository get the same names. When `path` already contains ".variant-"
 * anywhere (a variant that conflicted again, or a directory named so), the whole key escaped as a
 * file name is used instead of the short hash, so a short-hash collision cannot recur
 * (verified with git-annex 10.20230126: `p.variant-1234.jpg` →
 * `p.variant-1234.variant-SHA256E-s21--….jpg.jpg`).
 */
export function variantPath(path: string, key: string): string {
  return variantName(path, path.includes(VARIANT_MARKER) ? keyToFileName(key) : shortHash(key));
}

/** The long form of a variant name (always the whole escaped key), for when the short one is taken. */
export function longVariantPath(path: string, key: string): string {
  return variantName(path, keyToFileName(key));
}
