// Formatting results: the markdown table printed on stdout and kept in docs/benchmarks.md, and latest.json.

import type { MachineInfo, ToolStatus } from './env.js';
import type { FigureResult, Mode, Row } from './figure.js';
import type { Summary } from './stats.js';

/** Everything one run produced (the shape of bench/out/latest.json). */
export interface BenchReport {
  readonly version: 1;
  readonly mode: Mode;
  readonly startedAt: string;
  readonly seconds: number;
  readonly machine: MachineInfo;
  readonly missing: readonly ToolStatus[];
  readonly figures: readonly FigureResult[];
}

/** A number with about three significant digits. */
export function fmt(x: number): string {
  const a = Math.abs(x);
  if (a >= 100) return Math.round(x).toLocaleString('en-US');
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

/** "median (min–max)", or "median" for one sample, or "—". */
export function cell(s: Summary | undefined): string {
  if (!s) return '—';
  if (s.n === 1) return fmt(s.median);
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

/** A ratio cell: "0.52× (0.50–0.55)". */
export function ratioCell(s: Summary | undefined): string {
  if (!s) return '—';
  const m = `${fmt(s.median)}×`;
  return s.n === 1 ? m : `${m} (${fmt(s.min)}–${fmt(s.max)})`;
}

function esc(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function rowLine(f: FigureResult, r: Row): string {
  const anchor = r.anchor ? `${cell(r.anchor)}${r.anchorName ? ` (${r.anchorName})` : ''}` : r.anchorName && !r.anchor ? `${r.anchorName}` : '—';
  return `| ${f.id} | ${esc(r.measure)} | ${cell(r.arbor)} | ${cell(r.annex)} | ${esc(anchor)} | ${ratioCell(r.ratioAnnex)} | ${ratioCell(r.ratioAnchor)} | ${esc(r.note ?? '')} |`;
}

/** The results table: one line per measured quantity, each figure introduced by its title and sizes. */
export function markdownTable(figures: readonly FigureResult[]): string {
  const lines = [
    '| # | measure | arbor | git-annex | anchor | arbor/git-annex | arbor/anchor | notes |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const f of figures) {
    const status = f.skipped ? ` — skipped: ${f.skipped}` : f.error ? ` — failed: ${f.error}` : '';
    lines.push(`| **${f.id}** | **${esc(f.title)}** — ${esc(f.scale)}${esc(status)} | | | | | | ${Math.round(f.seconds)} s, load ${f.loadAverage.before[0] ?? '?'}→${f.loadAverage.after[0] ?? '?'} |`);
    for (const r of f.rows) lines.push(rowLine(f, r));
  }
  return lines.join('\n');
}

/** The machine, as a short list. */
export function machineLines(m: MachineInfo, mode: Mode, seconds: number): string {
  return [
    `- mode: ${mode}, total ${Math.round(seconds)} s`,
    `- CPU: ${m.cpus} × ${m.cpuModel} (nproc ${m.cpus}); memory ${m.memoryGiB} GiB; kernel ${m.kernel}; /tmp on ${m.filesystem ?? '?'}`,
    `- node ${m.node}; ${m.git ?? 'git ?'}; git-annex ${m.gitAnnex ?? 'missing'}; arbor ${m.arbor ?? 'not built'}${m.arborCommit ? ` (${m.arborCommit})` : ''}`,
    `- load average at start: ${m.loadAverageAtStart.join(', ')}`,
  ].join('\n');
}

/** The full markdown report: machine, how to read it, missing tools, table. */
export function markdownReport(r: BenchReport): string {
  const parts = [
    `### arbor benchmarks (${r.mode}, ${r.startedAt})`,
    '',
    machineLines(r.machine, r.mode, r.seconds),
    '',
    'Cells are median (min–max) over the runs. Ratios are arbor ÷ other, computed pair by pair within the same round',
    '(for times and memory, under 1× means arbor is faster or smaller; for throughput, over 1× means arbor is faster).',
  ];
  if (r.missing.length) {
    parts.push('', 'Missing tools (nothing was installed; the affected figures are skipped):');
    for (const t of r.missing) parts.push(`- ${t.name}: ${t.missing ?? ''}`);
  }
  parts.push('', markdownTable(r.figures));
  return parts.join('\n');
}
