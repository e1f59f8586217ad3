// One running `git-annex-remote-<name>` program and the conversation with it (external special remote protocol).
//
// arbor holds control and sends one request at a time; while the program works on it, the program
// may ask for configuration, credentials, hashes or state, which are answered here, until it sends
// one of the replies the request expects. A program that exits, sends ERROR, or sends a line the
// protocol does not have fails the request in one line and is stopped; the next request starts a
// fresh program, so one bad exchange fails that transfer only.
//
// A program that says nothing for the stall time (arbor.network.stallseconds) while arbor waits on
// it is stopped and the request fails with StalledError. A transfer is bounded only once the
// program has sent PROGRESS twice (it reports as it goes), and then by four times the longest gap
// it has left between two reports, if that is longer than the stall time: a program that reports
// once per large part on a slow link is not cut off between parts. Before that it is not bounded:
// a program that never reports progress (Debian's git-annex-remote-rclone) is silent for the whole
// of a large upload, and silence then says nothing.

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { StalledError, type StallBound } from '../../util/byte-reader.js';
import { processTree } from '../../util/bounded-run.js';
import { ArborError } from '../../util/errors.js';
import { formatExternalMessage, parseExternalMessage, type ExternalMessage } from './external-messages.js';

/** Answers to what the program may ask at any time (GETCONFIG, GETCREDS, DIRHASH, …). */
export interface ExternalHost {
  /** Answers one program request: the reply line, '' for none (SETCONFIG, DEBUG, …), undefined when not a request. */
  answer(message: ExternalMessage): Promise<string | undefined>;
  /** PROGRESS from the program: bytes done of the current transfer. */
  progress?(bytes: number): void;
}

/** The program failed or broke the protocol. */
export class ExternalProgramError extends ArborError {
  constructor(program: string, why: string) {
    super('EEXTERNAL', `${program}: ${why}`, { data: { program } });
  }
}

/** Protocol extensions arbor offers (it answers INFO and GETGITREMOTENAME). */
const OUR_EXTENSIONS = 'INFO GETGITREMOTENAME';

/** A started program, ready for requests after the VERSION/EXTENSIONS exchange. */
export class ExternalProcess {
  readonly #program: string;
  readonly #child: ChildProcess;
  /** Lines read but not yet taken; invariant: non-empty only while no taker waits. */
  readonly #lines: string[] = [];
  #waiter: ((line: string | undefined) => void) | undefined;
  #ended = false;
  #stderrTail = '';
  #spawnError: Error | undefined;
  readonly #stall: StallBound | undefined;

  private constructor(program: string, child: ChildProcess, stall: StallBound | undefined) {
    this.#program = program;
    this.#child = child;
    this.#stall = stall && stall.ms > 0 ? stall : undefined;
    const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    rl.on('line', (line) => this.#push(line));
    rl.on('close', () => this.#end());
    child.stderr?.on('data', (d: Buffer) => {
      this.#stderrTail = (this.#stderrTail + d.toString()).slice(-2000);
    });
    child.on('error', (err) => {
      this.#spawnError = err;
      this.#end();
    });
    child.stdin?.on('error', () => undefined);
  }

  /** Starts `program` in `cwd` and does the opening exchange; throws ExternalProgramError when it cannot. */
  static async start(options: { program: string; cwd: string; env?: NodeJS.ProcessEnv; host: ExternalHost; stall?: StallBound }): Promise<ExternalProcess> {
    const child = spawn(options.program, [], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const p = new ExternalProcess(options.program, child, options.stall);
    try {
      const first = await p.#take('its VERSION', 0);
      const version = first === undefined ? undefined : parseExternalMessage(first);
      if (version?.command !== 'VERSION') throw p.#broken(first === undefined ? undefined : `expected VERSION, got ${JSON.stringify(first)}`);
      if (version.params[0] !== '1' && version.params[0] !== '2') throw new ExternalProgramError(options.program, `speaks protocol VERSION ${version.params[0] ?? ''}; arbor speaks 1 and 2`);
      await p.request(formatExternalMessage('EXTENSIONS', OUR_EXTENSIONS), options.host, (m) => (m.command === 'EXTENSIONS' || m.command === 'UNSUPPORTED-REQUEST' ? true : undefined));
      return p;
    } catch (err) {
      p.stop();
      throw err;
    }
  }

  #push(line: string): void {
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w(line);
    } else this.#lines.push(line);
  }

  #end(): void {
    this.#ended = true;
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.(undefined);
  }

  /**
   * The next line from the program, or undefined once it has closed its output. With `boundMs`
   * (never shorter than the stall time), a longer wait stops the program and fails with StalledError.
   */
  async #take(what: string, boundMs: number | undefined): Promise<string | undefined> {
    const line = this.#lines.shift();
    if (line !== undefined) return line;
    if (this.#ended) return undefined;
    const next = new Promise<string | undefined>((resolve) => (this.#waiter = resolve));
    const stall = this.#stall;
    if (boundMs === undefined || !stall) return next;
    const ms = Math.max(stall.ms, boundMs);
    const timer = new AbortController();
    // Lines and the time-out are told apart by shape, not by text: a program may send any line.
    const silent = stall.clock.sleep(ms, timer.signal).then(
      () => ({ stalled: true }) as const,
      () => ({ stalled: false }) as const,
    );
    try {
      const first = await Promise.race([next.then((line) => ({ line })), silent]);
      if ('line' in first) return first.line;
      if (!first.stalled) return next;
    } finally {
      timer.abort();
    }
    this.#waiter = undefined;
    this.#killTree();
    throw new StalledError(`${this.#program} (${what})`, ms);
  }

  /** The error for a program that went away (`why` undefined) or said something else than expected. */
  #broken(why: string | undefined): ExternalProgramError {
    if (why !== undefined) return new ExternalProgramError(this.#program, why);
    if (this.#spawnError) {
      const code = (this.#spawnError as NodeJS.ErrnoException).code;
      return new ExternalProgramError(this.#program, code === 'ENOENT' ? 'not found on PATH (is it installed?)' : this.#spawnError.message);
    }
    const last = this.#stderrTail.trim().split('\n').pop() ?? '';
    return new ExternalProgramError(this.#program, `exited unexpectedly${last ? ` (${last})` : ''}`);
  }

  /**
   * Sends `line` and answers the program's own requests until `reply` accepts a message (returns
   * non-undefined). Anything else ends the conversation with ExternalProgramError.
   */
  async request<T>(line: string, host: ExternalHost, reply: (m: ExternalMessage) => T | undefined, options: { boundOnceProgressing?: boolean } = {}): Promise<T> {
    if (this.#ended) throw this.#broken(undefined);
    this.#child.stdin?.write(`${line}\n`);
    const what = `its answer to ${line.split(' ')[0] ?? ''}`;
    const transfer = options.boundOnceProgressing === true;
    /** For a transfer: the PROGRESS reports so far, when the last came, and the longest gap between two. */
    let reports = 0;
    let lastReport = 0;
    let longestGap = 0;
    for (;;) {
      const bound = !transfer ? 0 : reports >= 2 ? 4 * longestGap : undefined;
      const text = await this.#take(what, bound);
      if (text === undefined) throw this.#broken(undefined);
      const m = parseExternalMessage(text);
      if (m === undefined) throw this.#broken(`sent ${JSON.stringify(text.slice(0, 200))}, which is not part of the protocol`);
      if (m.command === 'ERROR') throw this.#broken(`error: ${m.params[0] ?? ''}`);
      if (m.command === 'PROGRESS') {
        const n = Number(m.params[0]);
        if (Number.isFinite(n)) host.progress?.(n);
        const now = this.#stall?.clock.now() ?? 0;
        if (reports > 0) longestGap = Math.max(longestGap, now - lastReport);
        lastReport = now;
        reports++;
        continue;
      }
      const accepted = reply(m);
      if (accepted !== undefined) return accepted;
      const answer = await host.answer(m);
      if (answer === undefined) throw this.#broken(`sent ${JSON.stringify(text.slice(0, 200))} in reply to ${line.split(' ')[0] ?? ''}`);
      if (answer !== '') this.#child.stdin?.write(`${answer}\n`);
    }
  }

  /** The program and every process it started (an rclone under a shell script) get SIGKILL: a hung program ignores anything gentler. */
  #killTree(): void {
    this.#child.stdin?.end();
    const pid = this.#child.pid;
    if (pid === undefined || this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    for (const p of processTree(pid)) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }

  /** Closes the program's input (it should then exit) and stops it. */
  stop(): void {
    this.#child.stdin?.end();
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM');
  }
}
