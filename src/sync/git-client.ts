// simple-git for the ordinary git commands of a sync (fetch, merge), with a clean environment.

import { simpleGit, type SimpleGit } from 'simple-git';
import { gitEnv } from '../git/repo.js';

/**
 * A simple-git instance for a work tree. Fetches to many remotes run in parallel, so the process
 * limit is raised above simple-git's default of 5 (performance-notes §6.2: parallel pushes to 10
 * local remotes take half the time of sequential ones).
 *
 * Any non-zero exit is an error: simple-git's default only counts one when git also wrote to
 * stderr, and `git merge` reports conflicts on stdout with exit 1 — treating that as success
 * once let a conflicted work tree be committed with its markers.
 *
 * simple-git also refuses to run when the environment sets things like GIT_EXEC_PATH (git sets it
 * when it runs `git-arbor`), EDITOR, PAGER or GIT_SSH_COMMAND. Those guards protect programs that
 * pass untrusted input to git; arbor's arguments are fixed strings and remote names from the
 * user's own config, and the environment is the user's own, so the environment-driven categories
 * are allowed. Argument-injection vectors (--upload-pack, protocol overrides) stay blocked.
 */
export function simpleGitFor(dir: string, options: { concurrency?: number } = {}): SimpleGit {
  return simpleGit({
    baseDir: dir,
    maxConcurrentProcesses: options.concurrency ?? 8,
    trimmed: false,
    unsafe: {
      allowUnsafeAskPass: true,
      allowUnsafeConfigEnvCount: true,
      allowUnsafeConfigPaths: true,
      allowUnsafeCredentialHelper: true,
      allowUnsafeEditor: true,
      allowUnsafePager: true,
      allowUnsafeSshCommand: true,
      allowUnsafeGitProxy: true,
      allowUnsafeGpgProgram: true,
      allowUnsafeHooksPath: true,
      allowUnsafeTemplateDir: true,
      allowUnsafeFsMonitor: true,
      allowUnsafeFilter: true,
      allowUnsafeDiffExternal: true,
      allowUnsafeDiffTextConv: true,
      allowUnsafeMergeDriver: true,
      allowUnsafeAlias: true,
    },
    errors: (error, result) => {
      if (error) return error;
      if (result.exitCode === 0) return undefined;
      return Buffer.concat([...result.stdOut, ...result.stdErr]);
    },
  }).env(gitEnv({ GIT_TERMINAL_PROMPT: '0' }));
}
