// POSIX record locks (fcntl F_SETLK) held by a small perl process, because git-annex locks content that way and Node has no fcntl.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { ArborError } from './errors.js';

/** A held lock; release() is idempotent and resolves once the lock is gone. */
export interface FcntlLock {
  release(): Promise<void>;
}

/**
 * The helper: opens the file (creating it), tries F_SETLK without waiting, prints "ok" or "busy",
 * then holds the lock until its stdin closes. A lock on a file that was meanwhile deleted (its
 * remover held the exclusive lock) is no lock: that counts as busy, as git-annex's checkSaneLock.
 * fcntl locks belong to a process, so the lock lives exactly as long as this process: if arbor dies, the kernel releases it. struct flock is packed
 * for the platform (Linux: type, whence, start, len, pid; the BSDs and macOS: start, len, pid,
 * type, whence). perl is on every host git is (git's own scripts need it).
 */
const HELPER = String.raw`
use strict; use Fcntl;
my ($path, $mode) = @ARGV; $| = 1;
my $ro = $mode eq 'shared';
sysopen(my $fh, $path, ($ro ? O_RDONLY : O_RDWR) | O_CREAT, 0666) or do { print "error $!\n"; exit 1 };
my $type = $ro ? F_RDLCK : F_WRLCK;
my $fl = $^O =~ /bsd|darwin/ ? pack('q q l s s', 0, 0, 0, $type, 0) : pack('s s x4 q q l x4', $type, 0, 0, 0, 0);
fcntl($fh, F_SETLK, $fl) or do { print "busy\n"; exit 0 };
my @held = stat($fh); my @now = stat($path);
if (!@now || $held[0] != $now[0] || $held[1] != $now[1]) { print "busy\n"; exit 0 }
print "ok\n";
while (sysread(STDIN, my $b, 4096)) {}
`;

/** The lock could not be taken for a reason other than someone else holding it. */
export class FcntlLockError extends ArborError {
  constructor(path: string, why: string) {
    super('ELOCKFILE', `cannot lock ${path}: ${why}`, { data: { path } });
  }
}

/**
 * Takes a shared (F_RDLCK) or exclusive (F_WRLCK) fcntl lock on the whole of `path`, the kind
 * git-annex takes on an object's lock file; undefined when another process holds a conflicting one.
 */
export async function tryFcntlLock(path: string, mode: 'shared' | 'exclusive'): Promise<FcntlLock | undefined> {
  const child: ChildProcessWithoutNullStreams = spawn('perl', ['-e', HELPER, path, mode], { stdio: 'pipe' });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const answer = await new Promise<string>((resolve) => {
    let text = '';
    child.stdout.on('data', (b: Buffer) => {
      text += b.toString('utf8');
      if (text.includes('\n')) resolve(text.trim());
    });
    child.once('error', (err) => resolve(`error ${err.message}`));
    child.once('close', () => resolve(text.trim() || 'error the lock helper (perl) exited'));
  });
  if (answer === 'busy') return undefined;
  if (answer !== 'ok') {
    child.kill();
    throw new FcntlLockError(path, answer.replace(/^error /, ''));
  }
  child.stdin.on('error', () => undefined);
  let released: Promise<void> | undefined;
  return {
    release: () => {
      released ??= (child.stdin.end(), exited);
      return released;
    },
  };
}
