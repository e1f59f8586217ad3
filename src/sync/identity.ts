// A fallback committer identity, so automatic commits work on machines without user.name/user.email.

import { hostname } from 'node:os';
import type { Git } from '../git/git.js';

/**
 * `-c user.name=… -c user.email=…` when git has no identity configured (a fresh machine, a
 * service account); nothing when it has one, so the user's identity is always preferred.
 */
export async function identityArgs(git: Git): Promise<string[]> {
  const probe = await git.tryRun(['var', 'GIT_COMMITTER_IDENT']);
  if (probe.code === 0) return [];
  return ['-c', 'user.name=arbor', '-c', `user.email=arbor@${hostname()}`];
}
