// Controlling the assistant's transfers from outside: the persisted pause state, and the transfers its status file lists.
//
// `.git/annex/arbor/transfers.json` holds {"paused": bool, "since": ms}. The CLI writes it; the
// running assistant's engine polls it (engine.ts `isPaused`), and an assistant started later
// starts paused. The running and queued transfers are read from the assistant's status file
// (assistant/daemon-status.ts), whose path the caller passes in.

import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { ArborError, errnoCode } from '../util/errors.js';

/** The persisted pause state. */
export interface TransferControl {
  readonly paused: boolean;
  /** When the pause began (ms since the epoch), while paused. */
  readonly since?: number;
}

/** A transfer as the assistant's status lists it. */
export interface ListedTransfer {
  readonly file: string;
  readonly key: string;
  readonly remote: string;
  readonly direction: 'upload' | 'download';
  readonly done: number;
  readonly total: number | undefined;
  /** Mean rate since it started, bytes per second (absent until measured). */
  readonly bytesPerSecond?: number;
}

/** Running and queued transfers of the assistant, with the pause state. */
export interface TransferListing {
  readonly paused: boolean;
  readonly since?: number;
  readonly running: readonly ListedTransfer[];
  readonly queued: number;
  /** The first queued transfers (what waits). */
  readonly waiting: ReadonlyArray<{ readonly file: string; readonly remote: string; readonly direction: 'upload' | 'download' }>;
}

/** The control file cannot be read. */
export class TransferControlError extends ArborError {
  constructor(file: string, why: string) {
    super('EBADCONTROL', `cannot read ${file}: ${why}`, { data: { file } });
  }
}

/** `<git dir>/annex/arbor/transfers.json`. */
export function transferControlPath(gitDir: string): string {
  return join(gitDir, 'annex', 'arbor', 'transfers.json');
}

/** Reads the control file's text; throws on anything but an object with a boolean `paused`. */
export function parseTransferControl(text: string): TransferControl {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new TransferControlError('transfers.json', err instanceof Error ? err.message : String(err));
  }
  if (typeof v !== 'object' || v === null || !('paused' in v) || typeof v.paused !== 'boolean') {
    throw new TransferControlError('transfers.json', 'expected {"paused": true|false}');
  }
  const since = 'since' in v && typeof v.since === 'number' ? v.since : undefined;
  return v.paused && since !== undefined ? { paused: true, since } : { paused: v.paused };
}

/** The control file's text for a state (parseTransferControl reads it back). */
export function formatTransferControl(control: TransferControl): string {
  return JSON.stringify(control.paused && control.since !== undefined ? { paused: true, since: control.since } : { paused: control.paused }) + '\n';
}

/** The state in `file`; a missing file means not paused. */
export async function readTransferControl(file: string): Promise<TransferControl> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { paused: false };
    throw err;
  }
  try {
    return parseTransferControl(text);
  } catch (err) {
    throw new TransferControlError(file, err instanceof Error ? err.message : String(err));
  }
}

/** Pauses or resumes: writes the state atomically (a pause keeps its original `since`). Returns the new state. */
export async function setTransfersPaused(options: { file: string; paused: boolean; now: number }): Promise<TransferControl> {
  const before = await readTransferControl(options.file).catch(() => ({ paused: false }) as TransferControl);
  const next: TransferControl = options.paused ? { paused: true, since: before.paused && before.since !== undefined ? before.since : options.now } : { paused: false };
  await mkdir(dirname(options.file), { recursive: true });
  await writeFileAtomic(options.file, formatTransferControl(next));
  return next;
}

function listed(v: unknown): ListedTransfer | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  if (typeof r.file !== 'string' || typeof r.key !== 'string' || typeof r.remote !== 'string') return undefined;
  if (r.direction !== 'upload' && r.direction !== 'download') return undefined;
  return {
    file: r.file,
    key: r.key,
    remote: r.remote,
    direction: r.direction,
    done: typeof r.done === 'number' ? r.done : 0,
    total: typeof r.total === 'number' ? r.total : undefined,
    ...(typeof r.bytesPerSecond === 'number' ? { bytesPerSecond: r.bytesPerSecond } : {}),
  };
}

/** The `transfers` part of an assistant status snapshot (anything malformed is left out). */
export function transfersFromStatus(status: unknown): Pick<TransferListing, 'running' | 'queued' | 'waiting'> {
  const t = typeof status === 'object' && status !== null && 'transfers' in status ? status.transfers : undefined;
  if (typeof t !== 'object' || t === null) return { running: [], queued: 0, waiting: [] };
  const running = 'running' in t && Array.isArray(t.running) ? t.running.map(listed).filter((x): x is ListedTransfer => x !== undefined) : [];
  const queued = 'queued' in t && typeof t.queued === 'number' ? t.queued : 0;
  const waiting = ('waiting' in t && Array.isArray(t.waiting) ? (t.waiting as unknown[]) : []).flatMap((w) => {
    const r = w as Record<string, unknown> | null;
    return r && typeof r.file === 'string' && typeof r.remote === 'string' && (r.direction === 'upload' || r.direction === 'download')
      ? [{ file: r.file, remote: r.remote, direction: r.direction as 'upload' | 'download' }]
      : [];
  });
  return { running, queued, waiting };
}

/**
 * The pause state and, when the assistant runs, the transfers its status file lists (a stale file
 * of a stopped assistant lists nothing).
 */
export async function listTransfers(options: { controlFile: string; statusFile: string; assistantRunning: boolean }): Promise<TransferListing> {
  const control = await readTransferControl(options.controlFile);
  let status: unknown;
  if (options.assistantRunning) {
    try {
      status = JSON.parse(await readFile(options.statusFile, 'utf8'));
    } catch {
      status = undefined;
    }
  }
  return { ...control, ...transfersFromStatus(status) };
}
