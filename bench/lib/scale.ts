// The sizes of each mode: quick (at most 5 minutes on 2 cores, scaled down) and full (issue 7's sizes, under 30 minutes).
//
// Quick sizes are chosen so the whole quick run takes at most 300 s on a 2-core machine while every
// figure keeps its columns (arbor next to git-annex and/or the floor): fewer samples and rounds,
// smaller trees and files, shorter schedules. Each figure says its quick size in its scale line.

import type { Mode, Scale } from './figure.js';

/** Sizes and repetitions per mode. */
export const scales: Readonly<Record<Mode, Scale>> = {
  quick: {
    latencyWrites: 6,
    latencyRounds: 1,
    burstFiles: 300,
    burstRuns: 1,
    burstTimeoutMs: 180_000,
    // git-annex's assistant stays busy ~20 ms per file after its scan (46 s to idle for 2,000 files).
    treeFiles: 400,
    treeTimeoutMs: 90_000,
    treeWatchers: ['auto'],
    // Big enough that hashing, not the start of the command, sets the throughput.
    ingestBigMiB: 100,
    ingestSmallFiles: 300,
    ingestBigRuns: 2,
    ingestSmallRuns: 1,
    transferMiB: 100,
    sshMiB: 16,
    deltaMiB: 24,
    transferRuns: 2,
    sshRuns: 2,
    deltaSshRuns: 1,
    noopFiles: 300,
    noopRuns: 2,
    everydayRuns: 2,
    everydayCounts: false,
    noticesPushes: 3,
    noticesFetchSeconds: 4,
    webLoads: 5,
    webIdleMs: 5_000,
    chainWrites: 5,
  },
  full: {
    latencyWrites: 20,
    latencyRounds: 2,
    burstFiles: 10_000,
    burstRuns: 1,
    burstTimeoutMs: 420_000,
    treeFiles: 100_000,
    treeTimeoutMs: 240_000,
    treeWatchers: ['parcel', 'auto', 'chokidar'],
    ingestBigMiB: 1024,
    ingestSmallFiles: 10_000,
    ingestBigRuns: 3,
    ingestSmallRuns: 1,
    transferMiB: 1024,
    sshMiB: 256,
    deltaMiB: 1024,
    transferRuns: 3,
    sshRuns: 3,
    deltaSshRuns: 3,
    noopFiles: 10_000,
    noopRuns: 2,
    everydayRuns: 5,
    everydayCounts: true,
    noticesPushes: 5,
    noticesFetchSeconds: 10,
    webLoads: 20,
    webIdleMs: 20_000,
    chainWrites: 15,
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
