// The `rsync` special remote's storage: git-annex's rsync remote layout (Remote/Rsync.hs), reached with the rsync program, over ssh, from an rsync daemon, or on a local path.
//
// An object lives at `<rsyncurl>/<hashdirlower><key>/<key>`, as in a directory remote (so the two
// can share a folder); the mixed `Xx/Yy/` layout is read too. A store builds that path in a
// scratch directory (a hard link of the source, or a copy of a chunk's range) and rsyncs the tree
// with `--partial-dir`, so the object appears on the remote only once complete and an
// interrupted upload resumes. A get uses `--inplace` into the destination, which the caller
// verifies. A remove rsyncs an empty directory with `--delete`, including only the key's directory
// and its parents (their other contents excluded, so other keys in the bucket are never touched).
// Arguments are protected from the remote shell (`--protect-args`), so no escaping is needed.
//
// Unlike git-annex, a look that cannot reach the remote is not taken for "not there": rsync's
// exit 23 (some files not transferred: the object is absent) is told apart from a failed
// connection (exit 255, 12, 10, 5), which is RemoteUnavailableError.

import { spawn } from 'node:child_process';
import { copyFile, link, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { hashDirLower, hashDirMixed } from '../../annex/dir-hashes.js';
import { formatKey, keyToFileName, type Key } from '../../annex/key.js';
import { ArborError } from '../../util/errors.js';
import { splitShellWords } from '../shell-command.js';
import { shellQuote } from '../ssh-url.js';
import type { Progress } from '../remote.js';
import { RemoteUnavailableError } from '../remote.js';
import type { KeyStorage, SourceRange } from './key-storage.js';
import { copyRange } from './copy-range.js';

/** rsync: some files could not be transferred (a source that does not exist). */
const PARTIAL_TRANSFER = 23;
/** rsync exit codes that mean the remote could not be reached or talked to. */
const UNREACHABLE_CODES = new Set([5, 10, 12, 30, 35, 255]);

/**
 * Whether an rsync URL names a host reached through a remote shell (`host:path`), rather than an
 * rsync daemon (`rsync://host[:port]/module/path` or `host::module/path`, spoken to directly on
 * its port, 873 unless the URL or `--port=` in annex-rsync-options says otherwise) or a local path.
 * The same reading as rsync's own and git-annex's.
 */
export function rsyncUrlIsShell(url: string): boolean {
  if (/^rsync:\/\//i.test(url)) return false;
  const colon = url.indexOf(':');
  return colon > 0 && !url.slice(0, colon).includes('/') && url[colon + 1] !== ':';
}

/** The rsync URL of a path under the remote's root. */
function under(url: string, path: string): string {
  return `${url.replace(/\/+$/, '')}/${path}`;
}

/** How rsync is run for one remote: its URL and the options from git config. */
export interface RsyncSettings {
  readonly url: string;
  /** remote.<name>.annex-rsync-transport: `ssh [options]` (default) or `rsh [options]`. */
  readonly transport?: string;
  /** remote.<name>.annex-ssh-options, added after ssh. */
  readonly sshOptions?: string;
  /** remote.<name>.annex-rsync-options, -upload-options, -download-options. */
  readonly options?: string;
  readonly uploadOptions?: string;
  readonly downloadOptions?: string;
  /** ssh options that bound the connect and notice a dead peer (network-limits.ts). */
  readonly timeoutOptions?: readonly string[];
  /** rsync's own I/O time-out, and its connect time-out for an rsync daemon (arbor.network.stallseconds; 0 or absent: none). */
  readonly stallSeconds?: number;
}

/** An rsync daemon's address: `rsync://host[:port]/module/…` or `host::module/…`. */
function isDaemonUrl(url: string): boolean {
  return /^rsync:\/\//i.test(url) || /^[^/]+::/.test(url);
}

/** The rsync arguments every run starts with: the remote shell (for host:path URLs), protected arguments, the user's options (never --delete). */
export function baseArgs(s: RsyncSettings, direction?: 'upload' | 'download'): string[] {
  const user = [s.options, direction === 'upload' ? s.uploadOptions : direction === 'download' ? s.downloadOptions : undefined]
    .flatMap((o) => (o ? splitShellWords(o) : []))
    // As git-annex: --delete could remove other keys of the same hash bucket.
    .filter((o) => o !== '--delete' && o !== '--delete-excluded');
  // The time-outs come before the user's options, so an --timeout of theirs wins (rsync takes the last).
  const stall = s.stallSeconds !== undefined && s.stallSeconds > 0 ? Math.max(1, Math.round(s.stallSeconds)) : undefined;
  const timeouts = stall === undefined ? [] : [`--timeout=${stall}`, ...(isDaemonUrl(s.url) ? [`--contimeout=${stall}`] : [])];
  const args = ['--protect-args', ...timeouts, ...user];
  if (rsyncUrlIsShell(s.url)) {
    const transport = splitShellWords(s.transport?.trim() || 'ssh');
    const shell = transport[0] === 'ssh' ? [...transport, ...(s.timeoutOptions ?? []), ...(s.sshOptions ? splitShellWords(s.sshOptions) : [])] : transport;
    args.push('-e', shell.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : shellQuote(w))).join(' '));
  }
  return args;
}

/** How one rsync run ended. */
interface RsyncRun {
  readonly code: number;
  readonly stderr: string;
}

/** Runs rsync, passing the byte counts of `--progress` lines to `progress`. */
function runRsync(args: readonly string[], progress?: (bytes: number) => void): Promise<RsyncRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('rsync', [...(progress ? ['--progress'] : []), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let line = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      if (stderr.length < 64 * 1024) stderr += c;
    });
    child.stdout.setEncoding('latin1').on('data', (c: string) => {
      if (!progress) return;
      for (const part of (line + c).split(/[\r\n]/)) {
        const m = /^\s*([\d,]+)\s+\d+%/.exec(part);
        if (m?.[1]) progress(Number(m[1].replace(/,/g, '')));
      }
      line = c.slice(Math.max(c.lastIndexOf('\r'), c.lastIndexOf('\n')) + 1);
    });
    child.on('error', (err) => reject(new ArborError('ESPAWN', `cannot run rsync: ${(err as NodeJS.ErrnoException).code ?? err.message} (apt-get install rsync)`, { cause: err })));
    child.on('close', (code, signal) => resolve({ code: code ?? 128 + (signal ? 15 : 0), stderr }));
  });
}

/** The line of rsync's stderr that says what went wrong: ssh's own complaint when there is one (the connection), else rsync's last. */
function lastLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^rsync error: .*\(code \d+\) at /.test(l));
  return lines.find((l) => /^ssh: /.test(l)) ?? lines.at(-1) ?? stderr.trim().split('\n').at(-1) ?? '';
}

/** A place reached with rsync, used as a git-annex `rsync` special remote. */
export class RsyncStorage implements KeyStorage {
  readonly #name: string;
  readonly #settings: () => Promise<RsyncSettings>;
  /** Where scratch trees are built (the repository's annex/tmp, same filesystem as the objects: hard links work). */
  readonly #scratch: string;
  #resolved: RsyncSettings | undefined;

  constructor(options: { remoteName: string; settings: () => Promise<RsyncSettings>; scratchDir: string }) {
    this.#name = options.remoteName;
    this.#settings = options.settings;
    this.#scratch = options.scratchDir;
  }

  async #s(): Promise<RsyncSettings> {
    this.#resolved ??= await this.#settings();
    if (!this.#resolved.url) throw new ArborError('ECONFIG', `remote ${this.#name} has no rsyncurl (git arbor enableremote ${this.#name} rsyncurl=…)`);
    return this.#resolved;
  }

  /** A failed run as the error a caller acts on: unreachable (retried later, routed around) or a plain failure. */
  #failure(what: string, r: RsyncRun): Error {
    const why = lastLine(r.stderr) || `rsync exited with ${r.code}`;
    if (UNREACHABLE_CODES.has(r.code)) return new RemoteUnavailableError(this.#name, why);
    return new ArborError('ERSYNC', `${what} on remote ${this.#name} failed: ${why}`, { data: { remote: this.#name, code: r.code } });
  }

  /** The paths an object may have under the remote's root: git-annex's lower-case hash directories first. */
  #paths(key: Key): string[] {
    const file = keyToFileName(formatKey(key));
    return [hashDirLower(key), hashDirMixed(key)].map((h) => `${h}${file}/${file}`);
  }

  async prepare(): Promise<void> {
    await this.#s();
  }

  async store(key: Key, source: SourceRange, progress?: Progress): Promise<void> {
    const s = await this.#s();
    await mkdir(this.#scratch, { recursive: true });
    const tree = await mkdtemp(join(this.#scratch, 'rsync-'));
    try {
      const rel = this.#paths(key)[0] ?? '';
      const dest = join(tree, rel);
      await mkdir(join(dest, '..'), { recursive: true });
      const whole = source.offset === 0 && source.length === (await stat(source.path)).size;
      if (whole) await link(source.path, dest).catch(() => copyFile(source.path, dest));
      else await copyRange(source, dest);
      const r = await runRsync([...baseArgs(s, 'upload'), '--recursive', '--partial', '--partial-dir=.rsync-partial', `${tree}/`, s.url.replace(/\/*$/, '/')], progress ? (b) => progress(b, source.length) : undefined);
      if (r.code !== 0) throw this.#failure(`storing ${formatKey(key)}`, r);
      progress?.(source.length, source.length);
    } finally {
      await rm(tree, { recursive: true, force: true });
    }
  }

  async retrieve(key: Key, dest: string, progress?: Progress): Promise<void> {
    const s = await this.#s();
    let last: RsyncRun | undefined;
    for (const rel of this.#paths(key)) {
      const r = await runRsync([...baseArgs(s, 'download'), '--inplace', under(s.url, rel), dest], progress ? (b) => progress(b, key.size) : undefined);
      if (r.code === 0) return;
      if (r.code !== PARTIAL_TRANSFER) throw this.#failure(`getting ${formatKey(key)}`, r);
      last = r;
    }
    throw new ArborError('ENOTPRESENT', `remote ${this.#name} does not have ${formatKey(key)}${last ? ` (${lastLine(last.stderr)})` : ''}`, { data: { remote: this.#name } });
  }

  async checkPresent(key: Key): Promise<boolean> {
    const s = await this.#s();
    for (const rel of this.#paths(key)) {
      const r = await runRsync([...baseArgs(s), '--list-only', under(s.url, rel)]);
      if (r.code === 0) return true;
      if (r.code !== PARTIAL_TRANSFER) throw this.#failure(`looking for ${formatKey(key)}`, r);
    }
    return false;
  }

  async remove(key: Key): Promise<void> {
    const s = await this.#s();
    const file = keyToFileName(formatKey(key));
    // Each hash directory, its parent, and the key's directory with everything in it; nothing else.
    const includes = [hashDirLower(key), hashDirMixed(key)].flatMap((h) => {
      const dir = h.replace(/\/$/, '');
      return [dir.split('/')[0] ?? dir, dir, `${dir}/${file}/***`];
    });
    await mkdir(this.#scratch, { recursive: true });
    const empty = await mkdtemp(join(this.#scratch, 'rsync-'));
    try {
      const r = await runRsync([...baseArgs(s), ...includes.map((i) => `--include=${i}`), '--exclude=*', '--quiet', '--delete', '--recursive', '--partial', '--partial-dir=.rsync-partial', `${empty}/`, s.url.replace(/\/*$/, '/')]);
      if (r.code !== 0) throw this.#failure(`removing ${formatKey(key)}`, r);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {}
}
