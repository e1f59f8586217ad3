// A fallback committer identity, so automatic commits work on machines without user.name/user.email.

import type { Git } from '../git/git.js';
import { fallbackIdentityEnv } from '../git/identity.js';

/** Whether git can build an identity from config or environment. */
async function hasIdentity(git: Git): Promise<boolean> {
  return (await git.tryRun(['var', 'GIT_COMMITTER_IDENT'])).code === 0;
}

/**
 * `-c user.name=… -c user.email=…` when git has no identity configured (a fresh machine, a
 * service account); nothing when it has one, so the user's identity is always preferred.
 */
export async function identityArgs(git: Git): Promise<string[]> {
  if (await hasIdentity(git)) return [];
  const env = fallbackIdentityEnv();
  return ['-c', `user.name=${env.GIT_COMMITTER_NAME ?? ''}`, '-c', `user.email=${env.GIT_COMMITTER_EMAIL ?? ''}`];
}

/** The same fallback as environment variables (for plumbing such as commit-tree). */
export async function identityEnv(git: Git): Promise<NodeJS.ProcessEnv> {
  if (await hasIdentity(git)) return {};
  return fallbackIdentityEnv();
}
