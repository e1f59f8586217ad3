// The layout of an arbor patch file: a header naming the old and new keys, the delta frames, and a checksummed end line (pure parse/format).

import { formatKey, parseKey, type Key } from '../annex/key.js';
import { ArborError } from '../util/errors.js';

/** First line of every patch file; the number is the delta exchange version (chunk sizes, Gear table, frame layout). */
export const PATCH_MAGIC = 'ARBOR-PATCH 1';

/** The end line: "END " + 64 hex digits of the SHA-256 of every byte before it + "\n". */
export const PATCH_TRAILER_BYTES = 4 + 64 + 1;

/** A patch file that cannot be used: not a patch, truncated, altered, or for content not here. */
export class PatchError extends ArborError {
  constructor(code: string, message: string, data: Readonly<Record<string, unknown>> = {}) {
    super(code, message, { data });
    this.name = 'PatchError';
  }
}

/** What a patch's header says. */
export interface PatchHeader {
  readonly oldKey: Key;
  readonly newKey: Key;
  /** Bytes the header takes (the frames start there). */
  readonly length: number;
}

/** The header lines for a patch from `oldKey` to `newKey`. */
export function formatPatchHeader(oldKey: Key, newKey: Key): Buffer {
  return Buffer.from(`${PATCH_MAGIC}\nold ${formatKey(oldKey)}\nnew ${formatKey(newKey)}\n`);
}

/** Parses the header at the start of `head` (the file's first bytes). */
export function parsePatchHeader(head: Buffer): PatchHeader {
  const lines: string[] = [];
  let pos = 0;
  while (lines.length < 3) {
    const nl = head.indexOf(10, pos);
    if (nl < 0) break;
    lines.push(head.toString('utf8', pos, nl));
    pos = nl + 1;
  }
  if (lines[0] !== PATCH_MAGIC) {
    throw new PatchError('EPATCHFORMAT', lines[0]?.startsWith('ARBOR-PATCH ') ? `unsupported patch version (${lines[0]}; this arbor reads ${PATCH_MAGIC})` : 'not an arbor patch file');
  }
  const oldKey = lines[1]?.startsWith('old ') ? parseKey(lines[1].slice(4)) : undefined;
  const newKey = lines[2]?.startsWith('new ') ? parseKey(lines[2].slice(4)) : undefined;
  if (!oldKey || !newKey) throw new PatchError('EPATCHTRUNCATED', 'patch file is truncated or damaged: its header does not name an old and a new key');
  return { oldKey, newKey, length: pos };
}

/** The end line for a body whose SHA-256 is `digestHex`. */
export function formatPatchTrailer(digestHex: string): Buffer {
  return Buffer.from(`END ${digestHex}\n`);
}

/** The digest an end line names; undefined when the bytes are not an end line (the file was cut short). */
export function parsePatchTrailer(tail: Buffer): string | undefined {
  const m = /^END ([0-9a-f]{64})\n$/.exec(tail.toString('latin1'));
  return m?.[1];
}
