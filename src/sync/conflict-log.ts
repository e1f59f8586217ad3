// The record of conflicts sync resolved, so a user can find and tidy them (`git arbor status`).

import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Annex } from '../annex/annex.js';
import { errnoCode } from '../util/errors.js';
import type { ResolvedConflict } from './conflicts.js';

/** One recorded conflict. */
export interface ConflictRecord extends ResolvedConflict {
  /** Milliseconds since the epoch. */
  readonly time: number;
  /** The peer ref whose merge conflicted. */
  readonly ref: string;
}

function logPath(annex: Annex): string {
  return join(annex.annexDir, 'arbor', 'conflicts.jsonl');
}

/** Appends resolved conflicts (one JSON object per line). */
export async function recordConflicts(annex: Annex, ref: string, conflicts: readonly ResolvedConflict[]): Promise<void> {
  if (conflicts.length === 0) return;
  await mkdir(join(annex.annexDir, 'arbor'), { recursive: true });
  const time = annex.deps.clock.now();
  await appendFile(logPath(annex), conflicts.map((c) => JSON.stringify({ ...c, time, ref })).join('\n') + '\n');
}

/** Every recorded conflict, oldest first; unreadable lines are skipped. */
export async function readConflicts(annex: Annex): Promise<ConflictRecord[]> {
  let text: string;
  try {
    text = await readFile(logPath(annex), 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  const out: ConflictRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as ConflictRecord);
    } catch {
      // a torn last line after a crash: skip it
    }
  }
  return out;
}
