// Lines of git-annex branch files: how they are split, ordered and union-merged (Logs/Line.hs, Git/UnionMerge.hs).

/**
 * Splits a log file into its lines the way git-annex's log parsers do (Logs/Line.hs): any run of
 * `\r` and `\n` ends a line (old Windows versions wrote `\r`, sometimes several), so empty lines
 * never appear. A last line without a newline still counts.
 */
export function splitLogLines(text: string): string[] {
  return text.split(/[\r\n]+/).filter((line) => line !== '');
}

/**
 * Orders strings by their UTF-8 bytes, which is how git-annex (Haskell ByteString / Map order)
 * sorts UUIDs, fields and log lines. Equal to code point order; unlike `<` on JS strings, which
 * compares UTF-16 units and puts U+10000.. before U+E000..U+FFFF.
 */
export function compareByteOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    const pa = a.codePointAt(i) ?? ca;
    const pb = b.codePointAt(i) ?? cb;
    if (pa !== pb) return pa < pb ? -1 : 1;
  }
  return a.length - b.length;
}

/** The lines of a blob as git's union merge sees them: split on `\n` only, last line kept without newline. */
function blobLines(blob: Uint8Array): Buffer[] {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const lines: Buffer[] = [];
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    if (nl === -1) break;
    lines.push(buf.subarray(start, nl));
    start = nl + 1;
  }
  if (start < buf.length) lines.push(buf.subarray(start));
  return lines;
}

/** The distinct lines, byte-sorted. */
function sortedUnique(lines: readonly Buffer[]): Buffer[] {
  const sorted = [...lines].sort(Buffer.compare);
  return sorted.filter((line, i) => i === 0 || !line.equals(sorted[i - 1] as Buffer));
}

function sameLines(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  return a.length === b.length && a.every((line, i) => line.equals(b[i] as Buffer));
}

/**
 * Union-merges two versions of one git-annex branch file (Git/UnionMerge.hs): the result is the
 * byte-sorted set of distinct lines of both, each ending in `\n`. No base version, no
 * compaction: obsolete lines survive until the next write compacts the file.
 *
 * Like git-annex, when one side already holds exactly that set of lines, its bytes are kept
 * as they are (order, duplicates and a missing final newline included), preferring `ours`
 * (verified with git-annex 10.20230126: the local branch's blob wins when both qualify). Pass the
 * local branch's version as `ours` and the incoming ref's version as `theirs`.
 */
export function unionMergeContent(ours: Uint8Array, theirs: Uint8Array): Buffer {
  const a = blobLines(ours);
  const b = blobLines(theirs);
  const merged = sortedUnique([...a, ...b]);
  if (sameLines(sortedUnique(a), merged)) return Buffer.from(ours);
  if (sameLines(sortedUnique(b), merged)) return Buffer.from(theirs);
  const nl = Buffer.from('\n');
  return Buffer.concat(merged.flatMap((line) => [line, nl]));
}
