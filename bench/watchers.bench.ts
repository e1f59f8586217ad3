// Benchmark of the watcher backends on a generated 100,000-file tree (10×100×100): ready time, memory, inotify watches, latency; prints JSON.
// Run: node --import tsx bench/watchers.bench.ts [--files-per-dir N] [--keep]
// Each backend runs in a fresh child process (node --expose-gc) so RSS is not shared between them,
// like performance-notes.md §5.2 (RSS and heap after gc() and 500 ms; watches from /proc/self/fdinfo).
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { watcherBackends } from '../src/assistant/watch/select.js';
import type { FsChange, Watcher } from '../src/assistant/watch/watcher.js';

const TOP = 10;
const MID = 100;

/** Creates TOP×MID directories of `perDir` small files under a new temp dir. */
function makeTree(perDir: number): string {
  const root = mkdtempSync(join(tmpdir(), 'arbor-watchbench-'));
  for (let a = 0; a < TOP; a++) {
    for (let b = 0; b < MID; b++) {
      const dir = join(root, `t${a}`, `m${b}`);
      mkdirSync(dir, { recursive: true });
      for (let c = 0; c < perDir; c++) writeFileSync(join(dir, `f${c}.txt`), `${a}/${b}/${c}\n`);
    }
  }
  return root;
}

/** inotify watches held by this process. */
function ownWatches(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) !== 'anon_inode:inotify') continue;
      n += readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n').filter((l) => l.startsWith('inotify wd:')).length;
    } catch {
      // fd closed meanwhile
    }
  }
  return n;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** ms from `act` until the watcher reports `path`. */
async function latency(w: Watcher, path: string, act: () => void): Promise<number> {
  w.changes.drain();
  const t0 = performance.now();
  act();
  for (;;) {
    const seen: FsChange[] = await w.changes.takeAll(AbortSignal.timeout(10_000));
    if (seen.some((c) => c.path === path)) return performance.now() - t0;
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const mib = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;

async function child(backend: 'chokidar' | 'parcel', root: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const baseRss = process.memoryUsage().rss;
  const w = watcherBackends[backend]({ root, ignored: () => false, clock: { now: () => Date.now() } });
  const t0 = performance.now();
  await w.start();
  const readyMs = performance.now() - t0;
  gc?.();
  await sleep(500);
  gc?.();
  const mem = process.memoryUsage();
  const watches = ownWatches();
  const deep = join(root, `t${TOP - 1}`, `m${MID - 1}`);
  const rel = `t${TOP - 1}/m${MID - 1}`;
  const lat = { change: [] as number[], add: [] as number[], unlink: [] as number[] };
  for (let i = 0; i < 5; i++) {
    await sleep(200);
    lat.add.push(await latency(w, `${rel}/probe${i}`, () => writeFileSync(join(deep, `probe${i}`), 'x')));
    await sleep(200);
    lat.change.push(await latency(w, `${rel}/probe${i}`, () => appendFileSync(join(deep, `probe${i}`), 'y')));
    await sleep(200);
    lat.unlink.push(await latency(w, `${rel}/probe${i}`, () => rmSync(join(deep, `probe${i}`))));
  }
  const result = {
    backend,
    readyMs: Math.round(readyMs),
    rssMiB: mib(mem.rss),
    baselineRssMiB: mib(baseRss),
    heapUsedMiB: mib(mem.heapUsed),
    inotifyWatches: watches,
    latencyMs: {
      add: Math.round(median(lat.add) * 10) / 10,
      change: Math.round(median(lat.change) * 10) / 10,
      unlink: Math.round(median(lat.unlink) * 10) / 10,
    },
    health: w.health(),
  };
  await w.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--child') {
    const [, backend, root] = argv;
    if ((backend !== 'chokidar' && backend !== 'parcel') || root === undefined) throw new Error('bad --child arguments');
    await child(backend, root);
    return;
  }
  const perDirArg = argv.indexOf('--files-per-dir');
  const perDir = perDirArg >= 0 ? Number(argv[perDirArg + 1]) : 100;
  const t0 = performance.now();
  const root = makeTree(perDir);
  const treeMs = Math.round(performance.now() - t0);
  const results: unknown[] = [];
  try {
    for (const backend of ['parcel', 'chokidar'] as const) {
      const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', backend, root], {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      });
      if (r.status !== 0) results.push({ backend, error: r.stderr.trim().split('\n').slice(-5).join('\n') });
      else results.push(JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}'));
    }
  } finally {
    if (!argv.includes('--keep')) rmSync(root, { recursive: true, force: true });
  }
  process.stdout.write(
    `${JSON.stringify({ tree: { files: TOP * MID * perDir, dirs: 1 + TOP + TOP * MID, createMs: treeMs }, node: process.version, results }, null, 2)}\n`,
  );
}

await main(process.argv.slice(2));
