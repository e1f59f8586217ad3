// POSIX record locks (fcntl F_SETLK) held by one small perl process per arbor process, because
// git-annex locks content that way and Node has no fcntl.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Socket } from 'node:net';
import { ArborError } from './errors.js';

/** A held lock; release() is idempotent and resolves once the lock is gone. */
export interface FcntlLock {
  release(): Promise<void>;
}

/**
 * The helper reads NUL-separated commands on stdin and answers each with one line, in order:
 * - `try ID MODE PATH`: opens PATH (creating it) and tries F_SETLK without waiting, shared
 *   (F_RDLCK on a read-only open) or exclusive (F_WRLCK); answers `ok` and keeps the file open
 *   under ID, `busy` when another process holds a conflicting lock, or `error ERRNO TEXT`.
 *   A lock on a file that was meanwhile deleted or replaced (its remover held the exclusive lock)
 *   is no lock: that counts as busy, as git-annex's checkSaneLock;
 * - `unlock ID`: closes the file, which releases the lock, and answers `ok`.
 * It never waits, so one helper serves every lock of the process. fcntl locks belong to a process
 * and closing any descriptor of a file drops all of them, so the caller keeps at most one lock per
 * path in the helper (the table below). If arbor dies, the helper reads end-of-file and exits,
 * and the kernel releases its locks. struct flock is packed for the platform (Linux: type,
 * whence, start, len, pid; the BSDs and macOS: start, len, pid, type, whence). perl is on every
 * host git is (git's own scripts need it).
 */
const HELPER = String.raw`
use strict; use Fcntl;
$| = 1; $/ = "\0";
my $bsd = $^O =~ /bsd|darwin/;
my %held;
sub field { my $f = <STDIN>; exit 0 unless defined $f; chomp $f; return $f }
while (defined(my $op = <STDIN>)) {
  chomp $op;
  my $id = field();
  if ($op eq 'unlock') { my $fh = delete $held{$id}; close $fh if $fh; print "ok\n"; next }
  my $mode = field(); my $path = field();
  my $ro = $mode eq 'shared';
  my $fh;
  unless (sysopen($fh, $path, ($ro ? O_RDONLY : O_RDWR) | O_CREAT, 0666)) { print "error ", $! + 0, " $!\n"; next }
  my $type = $ro ? F_RDLCK : F_WRLCK;
  my $fl = $bsd ? pack('q q l s s', 0, 0, 0, $type, 0) : pack('s s x4 q q l x4', $type, 0, 0, 0, 0);
  unless (fcntl($fh, F_SETLK, $fl)) {
    my ($busy, $n, $text) = ($!{EAGAIN} || $!{EACCES}, $! + 0, "$!");
    close $fh;
    print $busy ? "busy\n" : "error $n $text\n";
    next;
  }
  my @had = stat($fh); my @now = stat($path);
  if (!@now || $had[0] != $now[0] || $had[1] != $now[1]) { close $fh; print "busy\n"; next }
  $held{$id} = $fh;
  print "ok\n";
}
`;

/** Linux errno numbers a lock can fail with, by name (for the read-only checks upstream). */
const ERRNO_NAMES: Record<number, string> = { 1: 'EPERM', 2: 'ENOENT', 13: 'EACCES', 20: 'ENOTDIR', 28: 'ENOSPC', 30: 'EROFS', 37: 'ENOLCK' };

/** The name of a Linux errno number a lock helper reported, when it is one a caller checks for. */
export function errnoName(errno: number): string | undefined {
  return ERRNO_NAMES[errno];
}

/** The lock could not be taken for a reason other than someone else holding it. */
export class FcntlLockError extends ArborError {
  /** The errno name when the system gave one (EACCES, EROFS, ...). */
  readonly errno: string | undefined;
  constructor(path: string, why: string, errno?: string) {
    // The cause carries the errno name as a system error does, so read-only checks recognise it.
    super('ELOCKFILE', `cannot lock ${path}: ${why}`, { data: { path }, ...(errno ? { cause: Object.assign(new Error(`${errno}: ${why}`), { code: errno }) } : {}) });
    this.errno = errno;
  }
}

/** The one helper process: requests go out in order and answers come back in the same order. */
class LockHelper {
  readonly #child: ChildProcessWithoutNullStreams;
  #buffered = '';
  readonly #waiting: Array<(line: string) => void> = [];
  /** Set once the process is gone: every lock it held went with it. */
  gone = false;

  constructor(onGone: (helper: LockHelper) => void) {
    const child = spawn('perl', ['-e', HELPER], { stdio: 'pipe' });
    child.stdin.on('error', () => undefined);
    child.stdout.on('data', (b: Buffer) => {
      this.#buffered += b.toString('utf8');
      for (let nl = this.#buffered.indexOf('\n'); nl >= 0; nl = this.#buffered.indexOf('\n')) {
        const line = this.#buffered.slice(0, nl);
        this.#buffered = this.#buffered.slice(nl + 1);
        this.#waiting.shift()?.(line);
      }
      if (this.#waiting.length === 0) this.#idle();
    });
    const gone = (why: string): void => {
      if (this.gone) return;
      this.gone = true;
      for (const resolve of this.#waiting.splice(0)) resolve(`error 0 ${why}`);
      onGone(this);
    };
    child.once('error', (err) => gone(`the lock helper (perl) could not run: ${err.message}`));
    child.once('close', () => gone('the lock helper (perl) exited'));
    this.#child = child;
  }

  /** Lets the process exit while the helper only holds locks (their holders' work keeps it alive). */
  #idle(): void {
    this.#child.unref();
    for (const stream of [this.#child.stdout, this.#child.stdin, this.#child.stderr]) (stream as unknown as Socket).unref();
  }

  request(fields: readonly string[]): Promise<string> {
    if (this.gone) return Promise.resolve('error 0 the lock helper (perl) exited');
    this.#child.ref();
    (this.#child.stdout as unknown as Socket).ref();
    const answer = new Promise<string>((resolve) => this.#waiting.push(resolve));
    this.#child.stdin.write(fields.map((f) => `${f}\0`).join(''));
    return answer;
  }
}

/** A lock this process holds in the helper, shared by every holder of the same path. */
interface Held {
  readonly helper: LockHelper;
  readonly id: string;
  readonly mode: 'shared' | 'exclusive';
  holders: number;
}

let helper: LockHelper | undefined;
let nextId = 0;
const held = new Map<string, Held>();
/** Takes on one path run one after another, so two never open the same file in the helper. */
const taking = new Map<string, Promise<unknown>>();

function currentHelper(): LockHelper {
  if (!helper || helper.gone) {
    helper = new LockHelper((dead) => {
      for (const [path, entry] of held) if (entry.helper === dead) held.delete(path);
      if (helper === dead) helper = undefined;
    });
  }
  return helper;
}

/** What an attempt gave: the lock, someone else holds it, or an error with its errno name. */
export type FcntlAttempt = { kind: 'ok'; lock: FcntlLock } | { kind: 'busy' } | { kind: 'error'; text: string; errno: string | undefined };

function holding(path: string, entry: Held): FcntlLock {
  entry.holders++;
  let released: Promise<void> | undefined;
  return {
    release: () => {
      released ??= (async () => {
        entry.holders--;
        if (entry.holders > 0 || held.get(path) !== entry) return;
        held.delete(path);
        await entry.helper.request(['unlock', entry.id]);
      })();
      return released;
    },
  };
}

async function attempt(path: string, mode: 'shared' | 'exclusive'): Promise<FcntlAttempt> {
  const mine = held.get(path);
  // Another holder in this process: shared locks share, anything else conflicts, exactly as two
  // processes would find.
  if (mine) return mine.mode === 'shared' && mode === 'shared' ? { kind: 'ok', lock: holding(path, mine) } : { kind: 'busy' };
  let h = currentHelper();
  let id = String(nextId++);
  let answer = await h.request(['try', id, mode, path]);
  if (h.gone && answer.startsWith('error 0 ')) {
    // The helper died (killed, say) before it answered: it held nothing of this path; ask a new one.
    h = currentHelper();
    id = String(nextId++);
    answer = await h.request(['try', id, mode, path]);
  }
  if (answer === 'busy') return { kind: 'busy' };
  if (answer !== 'ok') {
    const m = /^error (\d+) (.*)$/.exec(answer);
    return { kind: 'error', text: m?.[2] ?? answer, errno: errnoName(Number(m?.[1] ?? 0)) };
  }
  const entry: Held = { helper: h, id, mode, holders: 0 };
  held.set(path, entry);
  return { kind: 'ok', lock: holding(path, entry) };
}

/**
 * Tries a shared (F_RDLCK) or exclusive (F_WRLCK) fcntl lock on the whole of `path` without
 * waiting, creating the file; the attempt's outcome, errors included, as a value.
 */
export async function attemptFcntlLock(path: string, mode: 'shared' | 'exclusive'): Promise<FcntlAttempt> {
  const previous = taking.get(path) ?? Promise.resolve();
  const mine = previous.then(() => attempt(path, mode));
  const settled = mine.then(() => undefined, () => undefined);
  taking.set(path, settled);
  try {
    return await mine;
  } finally {
    if (taking.get(path) === settled) taking.delete(path);
  }
}

/**
 * Takes a shared (F_RDLCK) or exclusive (F_WRLCK) fcntl lock on the whole of `path`, the kind
 * git-annex takes on an object's lock file; undefined when another process holds a conflicting one
 * (or another holder in this process does: the same answer a second process would get).
 */
export async function tryFcntlLock(path: string, mode: 'shared' | 'exclusive'): Promise<FcntlLock | undefined> {
  const got = await attemptFcntlLock(path, mode);
  if (got.kind === 'busy') return undefined;
  if (got.kind === 'error') throw new FcntlLockError(path, got.text, got.errno);
  return got.lock;
}
