// Building the benchmark's repositories and data: arbor/git-annex/plain-git repositories with a bare remote, small-file trees, big files.

import { randomFillSync } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_LARGEFILES } from '../../src/annex/largefiles.js';
import { ARBOR_BIN } from './env.js';
import { ok, run, type RunOptions, type RunResult } from './exec.js';

/** Which program drives a repository. */
export type Tool = 'arbor' | 'annex' | 'git';

/** arbor's default rule (what `git arbor init` writes): small text files go to git, the rest to the annex. */
export const ARBOR_DEFAULT_RULE = DEFAULT_LARGEFILES;

/** Everything goes to the annex (git-annex's default without any rule). */
export const ANNEX_EVERYTHING = 'anything';

/** Options shared by the command helpers. */
export interface CmdOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  readonly measureRss?: boolean;
  readonly input?: string;
}

const opts = (cwd: string, o: CmdOptions): RunOptions => ({
  cwd,
  env: o.env,
  ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
  ...(o.measureRss ? { measureRss: true } : {}),
  ...(o.input !== undefined ? { input: o.input } : {}),
});

/** `git arbor <args>` through the built CLI (the same node binary that runs the benchmark). */
export function arbor(cwd: string, args: readonly string[], o: CmdOptions): Promise<RunResult> {
  return run(process.execPath, [ARBOR_BIN, ...args], opts(cwd, o));
}

/** `git annex <args>`. */
export function annex(cwd: string, args: readonly string[], o: CmdOptions): Promise<RunResult> {
  return run('git', ['annex', ...args], opts(cwd, o));
}

/** `git <args>`, throwing on failure (setup steps). */
export function git(cwd: string, args: readonly string[], o: CmdOptions): Promise<RunResult> {
  return ok('git', args, opts(cwd, o));
}

/** Runs `git arbor` or `git annex` with the same arguments, throwing on failure. */
export async function tool(t: 'arbor' | 'annex', cwd: string, args: readonly string[], o: CmdOptions): Promise<RunResult> {
  const r = t === 'arbor' ? await arbor(cwd, args, o) : await annex(cwd, args, o);
  if (r.code !== 0) {
    const tail = (r.stderr || r.stdout).trim().split('\n').slice(-4).join(' | ');
    throw new Error(`${t === 'arbor' ? 'git arbor' : 'git annex'} ${args.join(' ')} ${r.timedOut ? 'timed out' : `exited with ${r.code}`}: ${tail}`);
  }
  return r;
}

/** Options of makeRepo. */
export interface MakeRepoOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly dir: string;
  readonly tool: Tool;
  /** annex.largefiles rule written to .gitattributes before init (ignored for plain git). */
  readonly largefiles?: string;
  /** Create a bare repository here and add it as `origin`. */
  readonly bare?: string;
  /** Called after the first commit and before the tool's init (e.g. to write a tree committed by plain git). */
  readonly populate?: (dir: string) => Promise<void>;
}

/**
 * A fresh work tree: git init, .gitattributes with the rule, a first commit, then the tool's own
 * init (so arbor and git-annex each set up their repository their way), and a bare `origin`.
 */
export async function makeRepo(o: MakeRepoOptions): Promise<void> {
  const c = { env: o.env };
  mkdirSync(o.dir, { recursive: true });
  await git(o.dir, ['init', '-q'], c);
  if (o.largefiles && o.tool !== 'git') writeFileSync(join(o.dir, '.gitattributes'), `* annex.largefiles=${o.largefiles}\n`);
  else writeFileSync(join(o.dir, 'README'), 'benchmark repository\n');
  await git(o.dir, ['add', '-A'], c);
  await git(o.dir, ['commit', '-q', '-m', 'start'], c);
  if (o.populate) await o.populate(o.dir);
  if (o.tool === 'arbor') await tool('arbor', o.dir, ['init', 'bench'], c);
  if (o.tool === 'annex') await tool('annex', o.dir, ['init', '-q', 'bench'], c);
  if (o.bare) {
    await git(o.dir, ['init', '-q', '--bare', o.bare], c);
    await git(o.dir, ['remote', 'add', 'origin', o.bare], c);
  }
}

/** The tool's own first sync with origin (plain git: push -u). */
export async function firstSync(t: Tool, dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  if (t === 'git') await git(dir, ['push', '-q', '-u', 'origin', 'main'], { env });
  else await tool(t, dir, t === 'annex' ? ['sync', '-q'] : ['sync'], { env, timeoutMs: 600_000 });
}

/** Options of writeSmallFiles. */
export interface SmallFilesOptions {
  readonly root: string;
  readonly count: number;
  /** Files per directory (default 100); directories are nested 100 to a parent, like a real tree. */
  readonly perDir?: number;
  /** Distinguishes contents between runs (so no two runs add identical keys). */
  readonly salt?: string;
}

/**
 * Writes `count` small text files (tens of bytes) as root/tT/mM/fNNNNNN.txt, 100 files per
 * directory and 100 directories per top directory (100,000 files: 10 × 100 × 100, the layout of
 * bench/watchers.bench.ts); returns the relative paths.
 */
export function writeSmallFiles(o: SmallFilesOptions): string[] {
  const perDir = o.perDir ?? 100;
  const paths: string[] = [];
  for (let i = 0; i < o.count; i++) {
    const d = Math.floor(i / perDir);
    const dir = `t${Math.floor(d / 100)}/m${d % 100}`;
    if (i % perDir === 0) mkdirSync(join(o.root, dir), { recursive: true });
    const rel = `${dir}/f${String(i).padStart(6, '0')}.txt`;
    writeFileSync(join(o.root, rel), `small file ${i} ${o.salt ?? ''}\n`);
    paths.push(rel);
  }
  return paths;
}

/**
 * Writes a file of pseudo-random, incompressible bytes (a random 1 MiB block, varied per block so
 * no two blocks are equal) and fsyncs it, so the measured command does not pay for write-back.
 */
export function writeBigFile(path: string, bytes: number): void {
  const block = Buffer.alloc(1 << 20);
  randomFillSync(block);
  const fd = openSync(path, 'w');
  try {
    for (let off = 0, i = 0; off < bytes; off += block.length, i++) {
      block.writeUInt32LE(i, 0);
      writeSync(fd, block, 0, Math.min(block.length, bytes - off));
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Random bytes with no repeated blocks (writeBigFile's file repeats one MiB, which a delta would find), fsynced. */
export function writeRandomFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  try {
    const block = Buffer.alloc(1 << 20);
    for (let off = 0; off < bytes; off += block.length) {
      randomFillSync(block);
      writeSync(fd, block, 0, Math.min(block.length, bytes - off));
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsyncs a file (after cp), so dirty pages of setup are not written back during a measurement. */
export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The commit a ref points to in a (bare) repository, read from the ref file or packed-refs without running git. */
export async function readRef(gitDir: string, ref: string): Promise<string | undefined> {
  const loose = await readFile(join(gitDir, ref), 'utf8').catch(() => undefined);
  if (loose !== undefined) return loose.trim() || undefined;
  const packed = await readFile(join(gitDir, 'packed-refs'), 'utf8').catch(() => '');
  for (const line of packed.split('\n')) {
    const [sha, name] = line.split(' ');
    if (name === ref && sha) return sha;
  }
  return undefined;
}
