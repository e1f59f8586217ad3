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
 */
export function simpleGitFor(dir: string, options: { concurrency?: number } = {}): SimpleGit {
  return simpleGit({
    baseDir: dir,
    maxConcurrentProcesses: options.concurrency ?? 8,
    trimmed: false,
    errors: (error, result) => {
      if (error) return error;
      if (result.exitCode === 0) return undefined;
      return Buffer.concat([...result.stdOut, ...result.stdErr]);
    },
  }).env(gitEnv({ GIT_TERMINAL_PROMPT: '0' }));
}
