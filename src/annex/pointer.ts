// Pointer files of unlocked files and symlink targets of locked files (doc/internals/pointer_file.mdwn).

import type { Key } from './key.js';
import { fileNameToKey, formatKey, keyToFileName, parseKey } from './key.js';

/** What the first line of a pointer file or a symlink target must contain to point into the annex. */
export const ANNEX_OBJECTS_MARKER = '/annex/objects/';

/** What every further line of a valid pointer file must contain. */
export const POINTER_LINE_TAG = '/annex/';

/** A pointer file larger than this (bytes) is not a pointer file. */
export const MAX_POINTER_BYTES = 32768;

/** The pointer file git stores for an unlocked file: "/annex/objects/<keyfile>\n" (key escaped as a file name). */
export function formatPointer(key: Key): string {
  return `${ANNEX_OBJECTS_MARKER}${keyToFileName(formatKey(key))}\n`;
}

/**
 * The key a pointer file (or blob content) points to, with git-annex's rules: at most 32 KiB; the
 * first line (without a trailing '\r') contains "/annex/objects/" and its last path component is
 * an escaped key; after it and its '\n', only lines that each contain "/annex/" and end
 * in '\n'. Anything else (including a valid pointer with other data appended) gives undefined.
 * Symlink-target-style content ("../.git/annex/objects/…/KEY") is accepted, as git-annex does.
 */
export function parsePointer(content: Uint8Array | string): Key | undefined {
  const bytes = typeof content === 'string' ? Buffer.byteLength(content, 'utf8') : content.length;
  if (bytes > MAX_POINTER_BYTES) return undefined;
  const text = typeof content === 'string' ? content : Buffer.from(content.buffer, content.byteOffset, content.length).toString('utf8');
  const newline = text.indexOf('\n');
  let first = newline < 0 ? text : text.slice(0, newline);
  if (first.endsWith('\r')) first = first.slice(0, -1);
  const key = keyFromLinkTarget(first);
  if (key === undefined || newline < 0) return key;
  let rest = text.slice(newline + 1);
  while (rest.length > 0) {
    const end = rest.indexOf('\n');
    if (end < 0 || !rest.slice(0, end).includes(POINTER_LINE_TAG)) return undefined;
    rest = rest.slice(end + 1);
  }
  return key;
}

/**
 * The key of a locked file's symlink target (or a pointer's first line): the target must contain
 * "/annex/objects/"; its last path component, unescaped, must be a key. Otherwise undefined.
 */
export function keyFromLinkTarget(target: string): Key | undefined {
  if (!target.includes(ANNEX_OBJECTS_MARKER)) return undefined;
  const last = target.slice(target.lastIndexOf('/') + 1);
  return parseKey(fileNameToKey(last));
}
