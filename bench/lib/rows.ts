// Building report rows from raw samples (summaries and pair-by-pair ratios), and which contenders can run.

import type { BenchContext, Row } from './figure.js';
import { pairRatios, summarize } from './stats.js';

/** Raw samples of one measured quantity; index i of each list belongs to round i. */
export interface RowInput {
  readonly measure: string;
  readonly unit: string;
  readonly arbor?: readonly number[];
  readonly annex?: readonly number[];
  readonly anchor?: readonly number[];
  readonly anchorName?: string;
  readonly higherIsBetter?: boolean;
  readonly note?: string;
}

/** A row with summaries and arbor/git-annex and arbor/anchor ratios computed pair by pair. */
export function makeRow(i: RowInput): Row {
  const arbor = i.arbor ? summarize(i.arbor) : undefined;
  const annex = i.annex ? summarize(i.annex) : undefined;
  const anchor = i.anchor ? summarize(i.anchor) : undefined;
  const ratioAnnex = i.arbor && i.annex ? summarize(pairRatios(i.arbor, i.annex)) : undefined;
  const ratioAnchor = i.arbor && i.anchor ? summarize(pairRatios(i.arbor, i.anchor)) : undefined;
  return {
    measure: i.measure,
    unit: i.unit,
    ...(i.higherIsBetter ? { higherIsBetter: true } : {}),
    ...(arbor ? { arbor } : {}),
    ...(annex ? { annex } : {}),
    ...(anchor ? { anchor } : {}),
    ...(i.anchorName ? { anchorName: i.anchorName } : {}),
    ...(ratioAnnex ? { ratioAnnex } : {}),
    ...(ratioAnchor ? { ratioAnchor } : {}),
    ...(i.note ? { note: i.note } : {}),
  };
}

/** Which of arbor and git-annex can run here, and notes for those that cannot. */
export function contenders(ctx: BenchContext, options: { assistant?: boolean } = {}): { arbor: boolean; annex: boolean; notes: string[] } {
  const notes: string[] = [];
  const arbor = ctx.tools.arbor.ok;
  if (!arbor) notes.push(`arbor skipped: ${ctx.tools.arbor.missing ?? ''}`);
  let annex = ctx.tools['git-annex'].ok;
  if (!annex) notes.push(`git-annex skipped: ${ctx.tools['git-annex'].missing ?? ''}`);
  if (annex && options.assistant && !ctx.tools.lsof.ok) {
    annex = false;
    notes.push(`git-annex skipped: ${ctx.tools.lsof.missing ?? ''}`);
  }
  return { arbor, annex, notes };
}

/** MiB from KiB, one decimal. */
export function mib(kib: number): number {
  return Math.round((kib / 1024) * 10) / 10;
}

/** MB/s (10^6 bytes per second) for `bytes` in `ms`. */
export function mbps(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}
