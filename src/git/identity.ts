// The fallback committer identity, for machines where git has none (no user.name/user.email, no usable hostname).

import { hostname } from 'node:os';
import type { Git } from './git.js';

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

/** The author's and committer's `Name <email>` as git would commit them. */
export interface Identities {
  readonly author: string;
  readonly committer: string;
}

/** Per repository: the identities git gave (a failure is not kept, so setting user.name later takes effect). */
const asked = new WeakMap<Pick<Git, 'tryRun'>, Promise<Identities | undefined>>();

/**
 * The author and committer `Name <email>` from one `git var -l`, asked once per repository and
 * process. Undefined when git could not build a real identity: no name, no email, or a guessed
 * one git itself would refuse (it marks those "(none)"); commits then need fallbackIdentityEnv.
 */
export function identities(git: Pick<Git, 'tryRun'>): Promise<Identities | undefined> {
  let answer = asked.get(git);
  if (!answer) {
    answer = git.tryRun(['var', '-l']).then(
      (r) => (r.code === 0 ? parseIdentities(r.stdout.toString('utf8')) : undefined),
      () => undefined,
    );
    asked.set(git, answer);
    void answer.then((a) => {
      if (a === undefined && asked.get(git) === answer) asked.delete(git);
    });
  }
  return answer;
}

/** The identities in `git var -l` output, when both are real ones. */
function parseIdentities(text: string): Identities | undefined {
  const ident = (name: string): string | undefined => {
    const who = new RegExp(`^${name}=(.+) \\d+ [+-]\\d{4}$`, 'm').exec(text)?.[1];
    return who && /^[^<>\n]*[^<>\s][^<>\n]* <[^<>\s]+>$/.test(who) && !who.includes('(none)') ? who : undefined;
  };
  const author = ident('GIT_AUTHOR_IDENT');
  const committer = ident('GIT_COMMITTER_IDENT');
  return author && committer ? { author, committer } : undefined;
}
