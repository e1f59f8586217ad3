// Figure 9: set reconciliation of a server's key set against the location log with 100 wrong entries (runs bench/reconcile.bench.ts in a child).

import { join } from 'node:path';
import { ARBOR_ROOT } from '../lib/env.js';
import { run } from '../lib/exec.js';
import type { Figure, Mode } from '../lib/figure.js';
import { makeRow } from '../lib/rows.js';
import { count } from '../lib/scale.js';

/** What bench/reconcile.bench.ts prints. */
interface ReconcileResult {
  readonly keys: number;
  readonly diff: number;
  readonly capacity: number;
  readonly buildServerMs: number;
  readonly buildServerCpuMs: number;
  readonly buildClientMs: number;
  readonly updateUs: number;
  readonly listingBytes: number;
  readonly symbolBytes: number;
  readonly runs: readonly {
    readonly ms: number;
    readonly cpuMs: number;
    readonly msNamed: number;
    readonly bytes: number;
    readonly bytesNamed: number;
    readonly symbols: number;
    readonly exact: number;
    readonly roundTrips: number;
    readonly askedKeys: number;
  }[];
}

const KEYS: Readonly<Record<Mode, number>> = { quick: 200_000, full: 1_000_000 };
const DIFF = 100;
const RUNS = 10;

/** Figure 9. */
export const reconcileFigure: Figure = {
  id: 9,
  slug: 'reconcile',
  title: 'Reconciliation: which keys a remote really holds, against the location log with 100 wrong entries',
  needs: [],
  describeScale: (mode) => `${count(KEYS[mode])} keys${mode === 'full' ? '' : ` (quick; full: ${count(KEYS.full)})`}, ${DIFF} wrong entries (half each way), ${RUNS} runs; in one process, bytes counted as they would cross the wire; git-annex has no equivalent (fsck --from checks key by key)`,
  run: async (ctx) => {
    const keys = KEYS[ctx.mode];
    // A child process, so a million keys do not share this process's heap or GC.
    const r = await run(process.execPath, ['--max-old-space-size=4096', '--import', 'tsx', join(ARBOR_ROOT, 'bench', 'reconcile.bench.ts'), '--keys', String(keys), '--diff', String(DIFF), '--runs', String(RUNS)], { cwd: ARBOR_ROOT, env: ctx.env, timeoutMs: 600_000 });
    if (r.code !== 0) throw new Error(`reconcile.bench.ts exited with ${r.code}: ${r.stderr.trim().slice(-300)}`);
    const o = JSON.parse(r.stdout) as ReconcileResult;
    const listing = o.runs.map(() => o.listingBytes);
    const target = Math.round(1.5 * DIFF * o.symbolBytes);
    ctx.rows.push(
      makeRow({
        measure: `bytes exchanged, ${count(o.keys)} keys, ${DIFF} wrong (B)`,
        unit: 'B',
        arbor: o.runs.map((x) => x.bytes),
        anchor: listing,
        anchorName: 'plain listing of the keys',
        note: `missing keys named from the local git-annex branch; target ≤ 1.5 × ${DIFF} symbols = ${target} B plus a constant (${o.symbolBytes} B per symbol, ${o.runs[0]?.roundTrips ?? '?'} round trips)`,
      }),
      makeRow({
        measure: `bytes exchanged, the server names its ${DIFF / 2} extra keys (B)`,
        unit: 'B',
        arbor: o.runs.map((x) => x.bytesNamed),
        anchor: listing,
        anchorName: 'plain listing of the keys',
      }),
      makeRow({
        measure: 'coded symbols per wrong entry, needed (sent)',
        unit: 'symbols',
        arbor: o.runs.map((x) => x.exact / o.diff),
        note: `sent in growing batches: ${o.runs.map((x) => x.symbols).join(', ')} symbols for ${o.diff} wrong entries`,
      }),
      makeRow({
        measure: 'reconcile time, server summary kept incrementally (ms)',
        unit: 'ms',
        arbor: o.runs.map((x) => x.ms),
        anchorName: 'target < 100 ms',
        note: 'client decode + server answers + message coding, no transport',
      }),
      makeRow({
        measure: 'reconcile CPU time (ms)',
        unit: 'ms',
        arbor: o.runs.map((x) => x.cpuMs),
        note: 'user + system CPU of the same runs: what the wall time would be on an idle core (GC threads included)',
      }),
      makeRow({
        measure: `build a summary of ${count(o.keys)} keys once (ms)`,
        unit: 'ms',
        arbor: [o.buildServerMs, o.buildClientMs],
        note: `server and client (server CPU: ${count(o.buildServerCpuMs)} ms); afterwards ${o.updateUs} µs per key that arrives or leaves (${count(o.capacity)} symbols kept, ${Math.round((o.capacity * 28) / 1024)} KiB)`,
      }),
    );
  },
};
