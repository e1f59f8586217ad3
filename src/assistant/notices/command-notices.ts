// Change notices from a program the user names (arbor.assistant.noticecommand): the hook point for other notifiers.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { NoticeConnection, NoticeEnd, NoticeHandlers } from './notice-source.js';

/**
 * Runs `command` through the shell and keeps it running. Each line it prints is a notice: a
 * remote's name, or `*` (or an empty line) for every remote. Its stdin stays open and is closed to
 * ask it to stop; it is killed if it does not. Ready once it has started.
 */
export function openCommandNotices(options: { readonly command: string; readonly handlers: NoticeHandlers }): NoticeConnection {
  const child = spawn('sh', ['-c', options.command], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let closing = false;
  child.stderr.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString('utf8')).slice(-4096);
  });
  child.stdin.on('error', () => undefined);
  child.on('spawn', () => options.handlers.ready());
  createInterface({ input: child.stdout }).on('line', (line) => {
    const name = line.trim();
    options.handlers.changed(name === '' || name === '*' ? {} : { remote: name });
  });
  const ended = new Promise<NoticeEnd>((resolve) => {
    child.on('error', (err) => resolve({ reason: `cannot run the notice command: ${err.message}`, permanent: false }));
    child.on('close', (code, sig) => {
      const last = stderr.split('\n').map((l) => l.trim()).filter(Boolean).at(-1);
      resolve({ reason: closing ? 'closed' : `the notice command exited (${sig ?? `code ${code ?? '?'}`})${last ? `: ${last}` : ''}`, permanent: false });
    });
  });
  return {
    ended,
    close: () => {
      if (closing) return;
      closing = true;
      child.stdin.end();
      child.kill('SIGTERM');
    },
  };
}
