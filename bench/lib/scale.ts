// The sizes of each mode: quick (under 5 minutes, scaled down) and full (issue 7's sizes, under 30 minutes).

import type { Mode, Scale } from './figure.js';

/** Sizes and repetitions per mode. */
export const scales: Readonly<Record<Mode, Scale>> = {
  quick: {
    latencyWrites: 20,
    latencyRounds: 1,
    burstFiles: 1_000,
    burstRuns: 1,
    burstTimeoutMs: 180_000,
    treeFiles: 2_000,
    treeTimeoutMs: 90_000,
    treeChokidar: false,
    ingestBigMiB: 100,
    ingestSmallFiles: 1_000,
    ingestBigRuns: 3,
    ingestSmallRuns: 1,
    transferMiB: 100,
    transferRuns: 3,
    noopFiles: 1_000,
    noopRuns: 2,
  },
  full: {
    latencyWrites: 20,
    latencyRounds: 2,
    burstFiles: 10_000,
    burstRuns: 1,
    burstTimeoutMs: 420_000,
    treeFiles: 100_000,
    treeTimeoutMs: 240_000,
    treeChokidar: true,
    ingestBigMiB: 1024,
    ingestSmallFiles: 10_000,
    ingestBigRuns: 3,
    ingestSmallRuns: 1,
    transferMiB: 1024,
    transferRuns: 3,
    noopFiles: 10_000,
    noopRuns: 2,
  },
};

/** "1,000" */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** "1,000 files (quick; full: 10,000)" style description of a size. */
export function sized(mode: Mode, pick: (s: Scale) => number, unit: string): string {
  const here = pick(scales[mode]);
  const full = pick(scales.full);
  return mode === 'full' || here === full ? `${count(here)} ${unit}` : `${count(here)} ${unit} (quick; full: ${count(full)})`;
}
