// The benchmark's environment: a hermetic HOME and git identity, which tools exist, and the machine.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

/** The arbor checkout this benchmark belongs to. */
export const ARBOR_ROOT = resolve(import.meta.dirname, '..', '..');

/** The CLI entry point (needs `npm run build`). */
export const ARBOR_BIN = join(ARBOR_ROOT, 'bin', 'git-arbor.js');

/** A tool the figures may need. */
export type ToolName = 'git' | 'git-annex' | 'arbor' | 'openssl' | 'cp' | 'time' | 'lsof' | 'sshd';

/** Whether a tool is usable, and what to do when it is not. */
export interface ToolStatus {
  readonly name: ToolName;
  readonly ok: boolean;
  readonly version?: string;
  /** Why it is unusable and how to get it (printed; the benchmark never installs anything). */
  readonly missing?: string;
}

function which(cmd: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const p = join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

function firstLine(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return `${r.stdout}${r.stderr}`.trim().split('\n')[0];
}

/** Checks every tool once; nothing is installed, missing ones come back with a hint. */
export function checkTools(env: NodeJS.ProcessEnv): Record<ToolName, ToolStatus> {
  const tool = (name: ToolName, present: boolean, version: string | undefined, hint: string): ToolStatus =>
    present ? { name, ok: true, ...(version ? { version } : {}) } : { name, ok: false, missing: hint };
  const built = existsSync(join(ARBOR_ROOT, 'dist', 'cli', 'main.js'));
  return {
    git: tool('git', which('git', env) !== undefined, firstLine('git', ['--version'], env), 'git is not on PATH (apt-get install git)'),
    'git-annex': tool(
      'git-annex',
      which('git-annex', env) !== undefined,
      firstLine('git-annex', ['version', '--raw'], env),
      'git-annex is not on PATH (apt-get install git-annex); git-annex columns are skipped',
    ),
    arbor: tool('arbor', built, built ? firstLine(process.execPath, [ARBOR_BIN, '--version'], env) : undefined, 'arbor is not built: run `npm run build` first'),
    openssl: tool('openssl', which('openssl', env) !== undefined, firstLine('openssl', ['version'], env), 'openssl is not on PATH (apt-get install openssl); the hashing anchor is skipped'),
    cp: tool('cp', which('cp', env) !== undefined, firstLine('cp', ['--version'], env), 'cp is not on PATH (coreutils); the transfer anchor is skipped'),
    time: tool('time', existsSync('/usr/bin/time'), undefined, '/usr/bin/time is missing (apt-get install time); peak-RSS figures of one-shot commands are skipped'),
    sshd: tool('sshd', existsSync('/usr/sbin/sshd') && process.getuid?.() === 0, undefined, 'needs /usr/sbin/sshd and root (apt-get install openssh-server); the ssh transfer figure is skipped'),
    lsof: tool('lsof', which('lsof', env) !== undefined, undefined, 'lsof is not on PATH (apt-get install lsof); git annex assistant refuses to run without it'),
  };
}

/**
 * Environment for every command the benchmark runs: a fresh HOME (so the user's git config, hooks
 * and git-annex autostart list are neither used nor touched), a fixed identity, `main` as the
 * default branch, and C.UTF-8.
 */
export function hermeticEnv(home: string): NodeJS.ProcessEnv {
  mkdirSync(join(home, '.config'), { recursive: true });
  writeFileSync(
    join(home, '.gitconfig'),
    '[user]\n\tname = Arbor Bench\n\temail = bench@arbor.invalid\n[init]\n\tdefaultBranch = main\n[protocol "file"]\n\tallow = always\n[gc]\n\tauto = 0\n',
  );
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C.UTF-8', XDG_CONFIG_HOME: join(home, '.config') };
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'ARBOR_DAEMON', 'NODE_OPTIONS']) delete env[k];
  return env;
}

/** The machine a run happened on (printed with the table, stored in latest.json). */
export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly git?: string;
  readonly gitAnnex?: string;
  readonly arbor?: string;
  /** The checkout measured: commit, plus "+changes" when src/ differs from it. */
  readonly arborCommit?: string;
  readonly filesystem?: string;
  readonly loadAverageAtStart: readonly number[];
}

/** Describes this machine (nproc, memory, kernel, tool versions, the /tmp filesystem). */
export function machineInfo(tools: Record<ToolName, ToolStatus>, tmp: string): MachineInfo {
  const kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout.trim();
  const fs =
    (spawnSync('findmnt', ['-n', '-o', 'FSTYPE', '-T', tmp], { encoding: 'utf8' }).stdout ?? '').trim() ||
    (spawnSync('stat', ['-f', '-c', '%T', tmp], { encoding: 'utf8' }).stdout ?? '').trim();
  const head = (spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ARBOR_ROOT, encoding: 'utf8' }).stdout ?? '').trim();
  const dirty = (spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ARBOR_ROOT, encoding: 'utf8' }).stdout ?? '').trim() !== '';
  return {
    cpus: Number(nproc) || cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel,
    node: process.version,
    ...(tools.git.version ? { git: tools.git.version } : {}),
    ...(tools['git-annex'].version ? { gitAnnex: tools['git-annex'].version } : {}),
    ...(tools.arbor.version ? { arbor: tools.arbor.version } : {}),
    ...(head ? { arborCommit: `${head}${dirty ? '+changes' : ''}` } : {}),
    ...(fs ? { filesystem: fs } : {}),
    loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
