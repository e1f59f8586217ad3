// A long-running `git cat-file --batch-command` process: object contents and sizes by name, requests pipelined in order.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { UsageError } from '../util/errors.js';
import { GitCommandError } from './errors.js';

/** One object read from the repository. */
export interface CatFileObject {
  /** The object id. */
  readonly sha: string;
  /** blob, tree, commit or tag. */
  readonly type: string;
  /** The object's raw bytes. */
  readonly content: Buffer;
}

/** An object's id, type and size. */
export interface CatFileInfo {
  readonly sha: string;
  readonly type: string;
  readonly size: number;
}

/** Reads objects through one kept-alive git process. */
export interface CatFile {
  /**
   * The object named by `spec` (anything git rev-parse accepts: a sha, `HEAD:path`, `ref^{tree}`),
   * or undefined when it does not exist. Requests may be issued concurrently; they are answered
   * in order by one process. The spec must not contain a newline.
   */
  get(spec: string): Promise<CatFileObject | undefined>;
  /**
   * The id, type and size of the object named by `spec`, without its content (for deciding
   * whether a blob is small enough to read); undefined when it does not exist.
   */
  info(spec: string): Promise<CatFileInfo | undefined>;
  /** Stops the process; later get() calls start a new one. */
  close(): Promise<void>;
}

/** A request waiting for its answer; answers arrive in the order requests were written. */
interface Pending {
  readonly spec: string;
  /** Only the header is answered (an `info` command, or a `--batch-check` process). */
  readonly headerOnly: boolean;
  readonly resolve: (o: CatFileObject | CatFileInfo | undefined) => void;
  readonly reject: (e: unknown) => void;
}

/** The object being received: header parsed, `filled` of `body.length` bytes (content + LF) copied. */
interface Receiving {
  readonly sha: string;
  readonly type: string;
  readonly body: Buffer;
  filled: number;
}

const HEADER = /^([0-9a-f]{40,64}) (\S+) (\d+)$/;
/**
 * How a process is asked: `--batch-command` (git 2.36+) answers both contents and sizes;
 * older git gets `--batch` for contents plus a `--batch-check` process for sizes.
 */
type Mode = 'command' | 'batch' | 'check';
const ARGS: Record<Mode, readonly string[]> = {
  command: ['cat-file', '--batch-command'],
  batch: ['cat-file', '--batch'],
  check: ['cat-file', '--batch-check'],
};

/** Set once git has refused --batch-command (older than 2.36): this process then uses --batch. */
let batchCommandRefused = false;

/** A process that refused its options: its requests are sent again to one in another mode. */
class RefusedMode extends Error {}

/** One running process with its own queue and parser state; replaced when it dies. */
class BatchProcess {
  readonly #child: ChildProcessWithoutNullStreams;
  /** Requests written to stdin and not yet answered, oldest first. */
  readonly #queue: Pending[] = [];
  /** Bytes of an incomplete header line. */
  #partial: Buffer = Buffer.alloc(0);
  #receiving: Receiving | undefined;
  #stderr = '';
  /** Set once the process has exited; every later request fails. */
  #exited = false;
  readonly exited: Promise<void>;
  readonly mode: Mode;

  constructor(opts: { cwd: string; env?: NodeJS.ProcessEnv }, mode: Mode) {
    this.mode = mode;
    const args = ARGS[mode];
    this.#child = spawn('git', args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: 'pipe' });
    this.#child.stdout.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#child.stderr.on('data', (b: Buffer) => {
      if (this.#stderr.length < 65536) this.#stderr += b.toString('utf8');
    });
    this.#child.stdin.on('error', () => undefined); // EPIPE when it dies: reported through 'close'
    this.exited = new Promise((resolve) => {
      this.#child.on('error', (e) => {
        this.#stderr += String(e);
      });
      this.#child.on('close', (code) => {
        this.#exited = true;
        // git 2.35 and older: "error: unknown option `batch-command'" and the usage, exit 129.
        const refused = mode === 'command' && code === 129 && this.#stderr.includes('batch-command');
        const err = refused ? new RefusedMode() : new GitCommandError({ args, exitCode: code ?? 128, stderr: this.#stderr || 'cat-file exited' });
        for (const p of this.#queue.splice(0)) p.reject(err);
        resolve();
      });
    });
    this.#setRef(false);
  }

  get alive(): boolean {
    return !this.#exited;
  }

  /** Asks for an object's contents, or with `headerOnly` its id, type and size only. */
  request(spec: string, headerOnly: boolean): Promise<CatFileObject | CatFileInfo | undefined> {
    const only = headerOnly || this.mode === 'check';
    return new Promise((resolve, reject) => {
      this.#queue.push({ spec, headerOnly: only, resolve, reject });
      this.#setRef(true);
      const line = this.mode === 'command' ? `${only ? 'info' : 'contents'} ${spec}\n` : `${spec}\n`;
      this.#child.stdin.write(line);
    });
  }

  async close(): Promise<void> {
    this.#setRef(true); // keep the loop alive until the process has exited
    this.#child.stdin.end();
    await this.exited;
  }

  /**
   * Keeps the event loop alive only while answers are awaited, so a forgotten close() cannot hang
   * a program that is otherwise finished.
   */
  #setRef(on: boolean): void {
    for (const h of [this.#child, this.#child.stdout, this.#child.stderr, this.#child.stdin] as const) {
      const handle = h as unknown as { ref?: () => void; unref?: () => void };
      if (on) handle.ref?.();
      else handle.unref?.();
    }
  }

  #onData(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0) {
      const r = this.#receiving;
      if (r !== undefined) {
        const n = Math.min(data.length, r.body.length - r.filled);
        data.copy(r.body, r.filled, 0, n);
        r.filled += n;
        data = data.subarray(n);
        if (r.filled === r.body.length) {
          this.#receiving = undefined;
          this.#answer({ sha: r.sha, type: r.type, content: r.body.subarray(0, r.body.length - 1) });
        }
        continue;
      }
      const nl = data.indexOf(0x0a);
      if (nl < 0) {
        this.#partial = Buffer.concat([this.#partial, data]);
        return;
      }
      const line = Buffer.concat([this.#partial, data.subarray(0, nl)]).toString('utf8');
      this.#partial = Buffer.alloc(0);
      data = data.subarray(nl + 1);
      const m = HEADER.exec(line);
      if (m !== null && this.#queue[0]?.headerOnly === true) {
        this.#answer({ sha: m[1] ?? '', type: m[2] ?? '', size: Number(m[3]) });
      } else if (m !== null) {
        // +1 for the LF git writes after the content.
        this.#receiving = { sha: m[1] ?? '', type: m[2] ?? '', body: Buffer.allocUnsafe(Number(m[3]) + 1), filled: 0 };
      } else {
        // "<spec> missing" or "<spec> ambiguous": no such (single) object.
        this.#answer(undefined);
      }
    }
  }

  #answer(o: CatFileObject | CatFileInfo | undefined): void {
    const p = this.#queue.shift();
    if (this.#queue.length === 0) this.#setRef(false);
    p?.resolve(o);
  }
}

/**
 * Starts a lazily spawned `git cat-file --batch-command` in `cwd` (on git older than 2.36, a
 * `--batch` for contents and a `--batch-check` for sizes). Content of any size and any bytes is
 * returned whole in a Buffer (callers wanting to stream large files read them from the work tree
 * or the object store instead). If the process dies, its pending requests fail with
 * GitCommandError and the next request starts a new process.
 */
export function startCatFile(opts: { cwd: string; env?: NodeJS.ProcessEnv }): CatFile {
  /** Invariant: the contents process (`command` or `batch` mode) and, on old git only, the sizes process. */
  let proc: BatchProcess | undefined;
  let check: BatchProcess | undefined;
  const send = async (spec: string, headerOnly: boolean): Promise<CatFileObject | CatFileInfo | undefined> => {
    if (spec.includes('\n')) throw new UsageError(`object name contains a newline: ${JSON.stringify(spec)}`);
    for (;;) {
      let p: BatchProcess;
      if (headerOnly && batchCommandRefused) {
        if (check === undefined || !check.alive) check = new BatchProcess(opts, 'check');
        p = check;
      } else {
        if (proc === undefined || !proc.alive) proc = new BatchProcess(opts, batchCommandRefused ? 'batch' : 'command');
        p = proc;
      }
      try {
        return await p.request(spec, headerOnly);
      } catch (err) {
        if (!(err instanceof RefusedMode)) throw err;
        batchCommandRefused = true;
      }
    }
  };
  return {
    get: (spec) => send(spec, false) as Promise<CatFileObject | undefined>,
    info: (spec) => send(spec, true) as Promise<CatFileInfo | undefined>,
    async close() {
      const p = [proc, check];
      proc = undefined;
      check = undefined;
      await Promise.all(p.map((x) => x?.close()));
    },
  };
}
