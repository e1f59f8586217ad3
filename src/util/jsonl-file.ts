// Append-only JSON-lines files: one record per line, read back from any byte offset.

import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoCode } from './errors.js';

/** Formats records as JSON lines (each ends with a newline). */
export function formatJsonLines(records: readonly unknown[]): string {
  return records.map((r) => JSON.stringify(r) + '\n').join('');
}

/** Parses JSON lines; blank and unreadable lines (a torn last line after a crash) are skipped. */
export function parseJsonLines<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // torn or foreign line: skip it
    }
  }
  return out;
}

/** Appends records to `file` (creating it and its directory) in one write. */
export async function appendJsonLines(file: string, records: readonly unknown[]): Promise<void> {
  if (records.length === 0) return;
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, formatJsonLines(records));
}

/**
 * The records of `file` from byte `from` on (0: all), and the file's size in bytes (where the
 * next record will start). A missing file has no records and size 0.
 */
export async function readJsonLines<T>(file: string, from = 0): Promise<{ records: T[]; size: number }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { records: [], size: 0 };
    throw err;
  }
  const start = from > bytes.length ? 0 : from; // a file shorter than the offset was replaced: read it all
  return { records: parseJsonLines<T>(bytes.subarray(start).toString('utf8')), size: bytes.length };
}
