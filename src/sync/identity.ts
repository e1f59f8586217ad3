// A fallback committer identity, so automatic commits work on machines without user.name/user.email.

import type { Git } from '../git/git.js';
import { fallbackIdentityEnv, identities } from '../git/identity.js';

/**
 * Whether git can build an identity from config or environment. A yes is remembered per Git (a
 * sync that commits and merges asks once, and the git-annex branch's commits ask the same
 * question); a no is asked again, so setting user.name takes effect.
 */
async function hasIdentity(git: Git): Promise<boolean> {
  return (await identities(git)) !== undefined;
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
