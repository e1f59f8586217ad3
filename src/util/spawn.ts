// The injectable process runner: run a program to completion with optional stdin, collecting its output.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { constants } from 'node:os';
import { ArborError, errnoCode } from './errors.js';

/** What one finished process produced. */
export interface SpawnResult {
  /** Exit code; a process killed by a signal reports 128 + the signal number, like a shell. */
  readonly code: number;
  /** Everything written to stdout, as bytes (git output may be binary). */
  readonly stdout: Buffer;
  /** Everything written to stderr, decoded as UTF-8. */
  readonly stderr: string;
}

/** Options for one run. */
export interface SpawnOptions {
  /** Working directory (default: the current one). */
  readonly cwd?: string;
  /** The complete environment of the child (default: this process's environment). */
  readonly env?: NodeJS.ProcessEnv;
  /** Bytes written to stdin, which is then closed; without it stdin is closed at once. */
  readonly input?: string | Uint8Array;
}

/** How a streamed run ended (its stdout went to the records). */
export interface StreamEnd {
  readonly code: number;
  readonly stderr: string;
}

/** Runs programs to completion. Tests and the composition roots choose the implementation. */
export interface Spawner {
  /**
   * Runs `cmd` with `args` (no shell) and resolves when it has exited and its output is closed.
   * Never rejects because of the exit code; rejects with SpawnError when the program cannot be
   * started (not found, cwd missing).
   */
  run(cmd: string, args: readonly string[], opts?: SpawnOptions): Promise<SpawnResult>;
  /**
   * Runs `cmd` and yields its stdout as UTF-8 records ending in `separator`, as they arrive (a
   * listing of a huge tree is never held whole). After the last record, `onEnd` gets the exit
   * code and stderr. Stopping the iteration early kills the program. Throws SpawnError when the
   * program cannot be started.
   */
  records(cmd: string, args: readonly string[], opts: SpawnOptions & { readonly separator: '\0' | '\n'; readonly onEnd: (end: StreamEnd) => void }): AsyncGenerator<string>;
}

/** A program could not be started at all (ENOENT for the program or its cwd, EACCES, …). */
export class SpawnError extends ArborError {
  constructor(cmd: string, cause: unknown) {
    const errno = errnoCode(cause) ?? 'unknown error';
    super('ESPAWN', `cannot run ${cmd}: ${errno}`, { data: { cmd, errno }, cause });
    this.name = 'SpawnError';
  }
}

/**
 * A child with nothing to read gets /dev/null as stdin (it reads end of file at once, as from a
 * closed pipe), not a pipe: one pipe and stream fewer to set up and tear down, about a millisecond
 * of CPU of each of the dozens of git processes a command starts.
 */
function stdioFor(opts: SpawnOptions): 'pipe' | ['ignore', 'pipe', 'pipe'] {
  return opts.input === undefined ? ['ignore', 'pipe', 'pipe'] : 'pipe';
}

/** The real Spawner on node:child_process. */
export const nodeSpawner: Spawner = {
  run(cmd, args, opts = {}) {
    return new Promise<SpawnResult>((resolve, reject) => {
      const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: stdioFor(opts) }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      // A child that exits without reading all its input makes our write fail with EPIPE; its exit
      // code tells what happened, so the write error itself carries no information.
      child.stdin?.on('error', () => undefined);
      child.on('error', (e) => reject(new SpawnError(cmd, e)));
      child.on('close', (code, signal) => {
        const exit = code ?? 128 + (signal === null ? 0 : constants.signals[signal]);
        resolve({ code: exit, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
      });
      child.stdin?.end(opts.input);
    });
  },
  async *records(cmd, args, opts) {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: stdioFor(opts) }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
    const err: Buffer[] = [];
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin?.on('error', () => undefined);
    const closed = new Promise<StreamEnd>((resolve, reject) => {
      child.on('error', (e) => reject(new SpawnError(cmd, e)));
      child.on('close', (code, signal) => resolve({ code: code ?? 128 + (signal === null ? 0 : constants.signals[signal]), stderr: Buffer.concat(err).toString('utf8') }));
    });
    closed.catch(() => undefined); // observed below; a failed start also ends the stdout iteration
    child.stdin?.end(opts.input);
    const sep = opts.separator.charCodeAt(0);
    let rest: Buffer = Buffer.alloc(0);
    let finished = false;
    try {
      for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
        let data = rest.length ? Buffer.concat([rest, chunk]) : chunk;
        let at = data.indexOf(sep);
        let start = 0;
        while (at >= 0) {
          yield data.toString('utf8', start, at);
          start = at + 1;
          at = data.indexOf(sep, start);
        }
        data = data.subarray(start);
        // Copy the tail so the chunk it points into can be freed.
        rest = Buffer.from(data);
      }
      if (rest.length) yield rest.toString('utf8');
      finished = true;
    } finally {
      if (!finished) child.kill();
      const end = await closed;
      if (finished) opts.onEnd(end);
    }
  },
};
