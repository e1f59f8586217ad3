// A real rsync daemon on 127.0.0.1 for tests: `rsync --daemon` with a config in a temp dir, one process per connection (inetd style), so it is ready the moment its port is known.
//
// The test process listens on a free port and hands each accepted connection to a fresh
// `rsync --daemon --config=…` as its stdin and stdout: rsync then serves that one connection, as
// under inetd. Unlike a listening daemon there is no start-up race to wait out (a standalone
// `rsync --daemon` reports "listening" before it binds), and nothing is left running: stop()
// closes the port, and each daemon process ends with its connection.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { onBeforeCleanup, tempDir } from './tmp.js';

const hasRsync = spawnSync('rsync', ['--version']).status === 0;

/** Pass as test options: skips with the reason when rsync is missing. */
export const needsRsync: { skip: string | false } = { skip: hasRsync ? false : 'needs rsync (apt-get install rsync)' };

/** A running daemon with one writable module, `annex`. */
export interface TestRsyncd {
  readonly port: number;
  /** The module's folder on disk. */
  readonly root: string;
  /** `rsync://127.0.0.1:PORT/annex/<path>`. */
  url(path: string): string;
  /** Closes the port: later connections are refused. */
  stop(): Promise<void>;
}

/** Starts the daemon; it is stopped when the test process ends. */
export async function startRsyncd(): Promise<TestRsyncd> {
  const dir = tempDir('arbor-rsyncd-');
  const root = join(dir, 'annex');
  mkdirSync(root);
  const config = join(dir, 'rsyncd.conf');
  // uid/gid: a daemon started as root would otherwise serve as nobody (and not write the module).
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  writeFileSync(config, [`log file = ${join(dir, 'rsyncd.log')}`, 'use chroot = no', `uid = ${uid}`, `gid = ${gid}`, '[annex]', `  path = ${root}`, '  read only = no', ''].join('\n'));
  const children = new Set<ChildProcess>();
  const server = createServer({ pauseOnConnect: true }, (socket: Socket) => {
    const child = spawn('rsync', ['--daemon', `--config=${config}`], { stdio: [socket, socket, 'ignore'] });
    children.add(child);
    child.on('error', () => socket.destroy());
    child.on('exit', () => {
      children.delete(child);
      socket.destroy();
    });
  });
  server.unref();
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : 0);
    });
  });
  const stop = (): Promise<void> => new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  onBeforeCleanup(() => {
    server.close();
    for (const c of children) c.kill('SIGKILL');
  });
  return { port, root, url: (path) => `rsync://127.0.0.1:${port}/annex/${path}`, stop };
}
