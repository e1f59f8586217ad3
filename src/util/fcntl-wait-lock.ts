// Waiting POSIX record locks (fcntl F_SETLKW) on a lock file git-annex also waits on (`journal.lck`).
// A free lock is taken at once through the process's one lock helper (fcntl-lock.ts); only a lock
// someone else holds is waited for, by a long-lived perl helper for that lock file.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Socket } from 'node:net';
import { ArborError } from './errors.js';
import { attemptFcntlLock, errnoName, FcntlLockError } from './fcntl-lock.js';

/**
 * The helper reads NUL-terminated commands on stdin and answers each with one line:
 * - `lock`: opens the file (creating it), waits for an exclusive lock (F_SETLKW) for at most the
 *   seconds given on its command line, and answers `ok`, `timeout` or `error <errno> <text>`;
 *   a lock on a file that was replaced meanwhile is dropped and taken again on the new file;
 * - `unlock`: closes the file, which releases the lock, and answers `ok`.
 * fcntl locks belong to a process: if arbor dies, its helper reads end-of-file, exits, and the
 * kernel releases the lock. struct flock is packed for the platform as in fcntl-lock.ts.
 */
const HELPER = String.raw`
use strict; use Fcntl;
my ($path, $seconds) = @ARGV; $| = 1; $/ = "\0";
my $fl = $^O =~ /bsd|darwin/ ? pack('q q l s s', 0, 0, 0, F_WRLCK, 0) : pack('s s x4 q q l x4', F_WRLCK, 0, 0, 0, 0);
my $fh;
while (defined(my $cmd = <STDIN>)) {
  chomp $cmd;
  if ($cmd eq 'unlock') { close $fh if $fh; undef $fh; print "ok\n"; next }
  my $answer = eval {
    local $SIG{ALRM} = sub { die "timeout\n" };
    for (;;) {
      sysopen($fh, $path, O_RDWR | O_CREAT, 0666) or return "error " . ($!+0) . " $!";
      alarm $seconds;
      my $ok = fcntl($fh, F_SETLKW, $fl);
      my ($errno, $text) = ($!+0, "$!");
      alarm 0;
      return "error $errno $text" unless $ok;
      my @held = stat($fh); my @now = stat($path);
      return "ok" if @now && $held[0] == $now[0] && $held[1] == $now[1];
      close $fh;
    }
  };
  if (!defined $answer) { alarm 0; close $fh if $fh; undef $fh; $answer = $@ eq "timeout\n" ? "timeout" : "error 0 $@"; chomp $answer }
  print "$answer\n";
}
`;

/** The lock stayed held by another process (git-annex, another arbor) for the whole wait. */
export class FcntlLockTimeoutError extends ArborError {
  constructor(path: string, seconds: number) {
    super('ELOCKED', `timed out after ${seconds} s waiting for lock ${path} (another process holds it: git-annex, or another arbor)`, { data: { path } });
  }
}

/** One helper process holding (or waiting for) the lock on one path. */
class Helper {
  readonly #path: string;
  readonly #seconds: number;
  #child: ChildProcessWithoutNullStreams | undefined;
  #buffered = '';
  readonly #waiting: Array<(line: string) => void> = [];

  constructor(path: string, seconds: number) {
    this.#path = path;
    this.#seconds = seconds;
  }

  #start(): ChildProcessWithoutNullStreams {
    const child = spawn('perl', ['-e', HELPER, this.#path, String(this.#seconds)], { stdio: 'pipe' });
    child.stdin.on('error', () => undefined);
    child.stdout.on('data', (b: Buffer) => {
      this.#buffered += b.toString('utf8');
      for (let nl = this.#buffered.indexOf('\n'); nl >= 0; nl = this.#buffered.indexOf('\n')) {
        const line = this.#buffered.slice(0, nl);
        this.#buffered = this.#buffered.slice(nl + 1);
        this.#waiting.shift()?.(line);
      }
      if (this.#waiting.length === 0) this.#idle(child);
    });
    const gone = (why: string): void => {
      if (this.#child === child) this.#child = undefined;
      for (const resolve of this.#waiting.splice(0)) resolve(`error 0 ${why}`);
    };
    child.once('error', (err) => gone(`the lock helper (perl) could not run: ${err.message}`));
    child.once('close', () => gone('the lock helper (perl) exited'));
    this.#child = child;
    return child;
  }

  /** Lets the process exit while the helper only holds a lock (its caller's work keeps it alive). */
  #idle(child: ChildProcessWithoutNullStreams): void {
    child.unref();
    for (const stream of [child.stdout, child.stdin, child.stderr]) (stream as unknown as Socket).unref();
  }

  async request(command: 'lock' | 'unlock'): Promise<string> {
    const child = this.#child ?? this.#start();
    child.ref();
    (child.stdout as unknown as Socket).ref();
    const answer = new Promise<string>((resolve) => this.#waiting.push(resolve));
    child.stdin.write(`${command}\0`);
    return answer;
  }
}

const helpers = new Map<string, Helper>();
const queues = new Map<string, Promise<void>>();

/**
 * Runs `fn` holding an exclusive fcntl lock on `path`, waiting up to `seconds` for it (git-annex
 * takes its journal lock the same way). Callers in one process queue in order.
 */
export async function withFcntlWaitLock<T>(path: string, fn: () => Promise<T>, seconds = 60): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve();
  let done!: () => void;
  const mine = previous.then(() => new Promise<void>((r) => (done = r)));
  queues.set(path, mine);
  await previous;
  try {
    const free = await attemptFcntlLock(path, 'exclusive');
    if (free.kind === 'error') throw new FcntlLockError(path, free.text, free.errno);
    if (free.kind === 'ok') {
      try {
        return await fn();
      } finally {
        await free.lock.release();
      }
    }
    let helper = helpers.get(path);
    if (!helper) helpers.set(path, (helper = new Helper(path, seconds)));
    const answer = await helper.request('lock');
    if (answer === 'timeout') throw new FcntlLockTimeoutError(path, seconds);
    if (answer !== 'ok') {
      const m = /^error (\d+) (.*)$/.exec(answer);
      throw new FcntlLockError(path, m?.[2] ?? answer, errnoName(Number(m?.[1] ?? 0)));
    }
    try {
      return await fn();
    } finally {
      await helper.request('unlock');
    }
  } finally {
    done();
    if (queues.get(path) === mine) queues.delete(path);
  }
}
