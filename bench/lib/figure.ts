// What a figure is: its sizes per mode, the context it runs in, and the rows it reports.

import type { Daemons } from './daemons.js';
import type { ToolName, ToolStatus } from './env.js';
import type { Summary } from './stats.js';

/** quick: at most 5 minutes on 2 cores, sizes scaled down; full: the sizes of issue 7, under 30 minutes. */
export type Mode = 'quick' | 'full';

/** Every size and repetition count, per mode (see scale.ts). */
export interface Scale {
  readonly latencyWrites: number;
  readonly latencyRounds: number;
  readonly burstFiles: number;
  readonly burstRuns: number;
  readonly burstTimeoutMs: number;
  readonly treeFiles: number;
  readonly treeTimeoutMs: number;
  /** The arbor watcher settings started on the large tree, in order (the first start is the one with cold caches). */
  readonly treeWatchers: readonly string[];
  readonly ingestBigMiB: number;
  readonly ingestSmallFiles: number;
  readonly ingestBigRuns: number;
  readonly ingestSmallRuns: number;
  readonly transferMiB: number;
  /** Figures 8 and 11: the file sent over ssh (ssh's cipher, not the disk, sets the pace). */
  readonly sshMiB: number;
  /** Figures 14 and 15: the large file that gets a small change. */
  readonly deltaMiB: number;
  readonly transferRuns: number;
  /** Figures 8 and 11: runs of each transfer over ssh. */
  readonly sshRuns: number;
  /** Figure 15: runs of each change over ssh. */
  readonly deltaSshRuns: number;
  readonly noopFiles: number;
  readonly noopRuns: number;
  /** Figure 10: rounds per command (the medians are of these). */
  readonly everydayRuns: number;
  /** Figure 10: count each command's git processes (under strace, which slows what it traces several times over). */
  readonly everydayCounts: boolean;
  /** Figure 12: pushes per mode (notices, then the fetch schedule). */
  readonly noticesPushes: number;
  /** Figure 12: the fetch schedule the notices are compared with, every N seconds (the default is 15 min). */
  readonly noticesFetchSeconds: number;
  /** Figure 13: page loads per measure. */
  readonly webLoads: number;
  /** Figure 13: the window over which idle CPU is measured, without and then with the page open. */
  readonly webIdleMs: number;
  /** Figure 16: spaced writes on the laptop per tool (laptop → ssh server → desktop). */
  readonly chainWrites: number;
}

/** One line of the report: a measured quantity for arbor, git-annex and the plain anchor. */
export interface Row {
  /** What is measured, with the unit, e.g. "latency p50 (ms)". */
  readonly measure: string;
  readonly unit: string;
  /** Larger is better (throughput) rather than smaller (time, memory). */
  readonly higherIsBetter?: boolean;
  readonly arbor?: Summary;
  readonly annex?: Summary;
  readonly anchor?: Summary;
  /** The anchor's name: plain git, cp, openssl, target. */
  readonly anchorName?: string;
  /** arbor / git-annex, pair by pair (time ratios: under 1 means arbor is faster). */
  readonly ratioAnnex?: Summary;
  /** arbor / anchor, pair by pair. */
  readonly ratioAnchor?: Summary;
  /** Why a column is empty, or what to keep in mind. */
  readonly note?: string;
}

/** What a figure produced. */
export interface FigureResult {
  readonly id: number;
  readonly slug: string;
  readonly title: string;
  /** The sizes actually used, e.g. "1,000 files (quick; full: 10,000)". */
  readonly scale: string;
  readonly rows: readonly Row[];
  /** The figure did not run at all: the reason (missing tool, --only). */
  readonly skipped?: string;
  /** The figure failed part way: the error; rows hold what was measured before. */
  readonly error?: string;
  readonly seconds: number;
  readonly loadAverage: { readonly before: readonly number[]; readonly after: readonly number[] };
}

/** Everything a figure may use. */
export interface BenchContext {
  readonly mode: Mode;
  readonly scale: Scale;
  /** Environment for every command (hermetic HOME). */
  readonly env: NodeJS.ProcessEnv;
  /** A fresh directory for this figure, removed afterwards. */
  readonly tmp: string;
  readonly tools: Record<ToolName, ToolStatus>;
  /** Every daemon started is registered here, so it is stopped even on failure. */
  readonly daemons: Daemons;
  /** Progress on stderr. */
  readonly log: (msg: string) => void;
  /** Rows measured so far, kept if the figure fails later. */
  readonly rows: Row[];
}

/** A figure of issue 7. */
export interface Figure {
  readonly id: number;
  readonly slug: string;
  readonly title: string;
  /** Tools without which the figure cannot run at all. */
  readonly needs: readonly ToolName[];
  /** Describes the sizes used in this mode. */
  readonly describeScale: (mode: Mode, scale: Scale) => string;
  /** Measures and pushes rows to ctx.rows. */
  readonly run: (ctx: BenchContext) => Promise<void>;
}
