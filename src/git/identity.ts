// The fallback committer identity, for machines where git has none (no user.name/user.email, no usable hostname).

import { hostname } from 'node:os';

/**
 * The identity arbor commits as when git cannot build one: a fresh machine or a service account,
 * where git refuses with "Please tell me who you are". git-annex does the same
 * (Annex/Environment.hs, checkEnvironment), so its automatic commits work there too.
 */
export function fallbackIdentityEnv(): NodeJS.ProcessEnv {
  const email = `arbor@${hostname()}`;
  return { GIT_AUTHOR_NAME: 'arbor', GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: 'arbor', GIT_COMMITTER_EMAIL: email };
}

/** Whether git's stderr says it failed for want of an identity. */
export function missingIdentity(stderr: string): boolean {
  return /Please tell me who you are|unable to auto-detect email address|empty ident name/.test(stderr);
}
