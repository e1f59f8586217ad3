// simple-git for the ordinary git commands of a sync (fetch, merge), with a clean environment.

import { simpleGit, type SimpleGit } from 'simple-git';
import { gitEnv } from '../git/repo.js';

/**
 * A simple-git instance for a work tree. Fetches to many remotes run in parallel, so the process
 * limit is raised above simple-git's default of 5 (performance-notes §6.2: parallel pushes to 10
 * local remotes take half the time of sequential ones).
 */
export function simpleGitFor(dir: string, options: { concurrency?: number } = {}): SimpleGit {
  return simpleGit({ baseDir: dir, maxConcurrentProcesses: options.concurrency ?? 8, trimmed: false }).env(gitEnv({ GIT_TERMINAL_PROMPT: '0' }));
}
