// The user's hook: a program from git config run after a sync that changed something.

import { spawn } from 'node:child_process';
import { describeError } from '../util/errors.js';
import type { AssistantContext } from './context.js';

/**
 * Runs `arbor.assistant.hook` through the shell in the work tree. Its environment has
 * ARBOR_REPO, ARBOR_OLD_HEAD and ARBOR_NEW_HEAD; its stdin is `git diff --name-status` between
 * them (one "M\tpath" line per change). A failing or slow hook is logged, never fatal; it is
 * killed after 5 minutes.
 */
export async function runHook(ctx: AssistantContext, oldHead: string | undefined, newHead: string): Promise<void> {
  const hook = ctx.settings.hook;
  if (!hook) return;
  const workTree = ctx.annex.workTree ?? ctx.annex.git.repo.gitDir;
  const diff = oldHead ? await ctx.annex.git.run(['diff', '--name-status', '--no-renames', oldHead, newHead]).catch(() => '') : '';
  await new Promise<void>((resolve) => {
    const child = spawn('/bin/sh', ['-c', hook], {
      cwd: workTree,
      env: { ...process.env, ARBOR_REPO: workTree, ARBOR_OLD_HEAD: oldHead ?? '', ARBOR_NEW_HEAD: newHead },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), 5 * 60_000);
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString('utf8')).slice(-2000)));
    child.stdin.on('error', () => undefined);
    child.stdin.end(diff);
    child.on('error', (err) => {
      clearTimeout(timer);
      ctx.log.warn({ worker: 'hook' }, `hook could not start: ${describeError(err)}`);
      resolve();
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) ctx.log.info({ worker: 'hook' }, 'hook ran');
      else ctx.log.warn({ worker: 'hook' }, `hook exited ${code}: ${stderr.trim().split('\n').pop() ?? ''}`);
      resolve();
    });
  });
}
