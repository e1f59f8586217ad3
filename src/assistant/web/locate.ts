// Finding the running assistant's status page for `git arbor web`.

import { spawn } from 'node:child_process';
import { findRepository } from '../../git/repo.js';
import { ArborError } from '../../util/errors.js';
import { assistantState } from '../control.js';
import { readWebAddress } from './address.js';

/** No assistant runs, or it serves no page; the message says what to do. */
export class NoWebPageError extends ArborError {
  constructor(message: string) {
    super('ENOWEB', message);
  }
}

/** The page's URL (secret included) of the assistant running for the repository at `path`. */
export async function webPageUrl(path: string): Promise<string> {
  const repo = await findRepository(path);
  const state = await assistantState(path);
  if (!state.running || state.pid === undefined) throw new NoWebPageError('the assistant is not running for this repository (start it with: git arbor assistant)');
  const address = await readWebAddress(repo.gitDir, state.pid);
  if (!address) {
    const why = state.status?.problems.find((p) => p.id === 'web')?.message;
    throw new NoWebPageError(why ?? `the assistant (pid ${state.pid}) serves no status page yet (see git arbor status)`);
  }
  return address.url;
}

/** Opens `url` in the user's browser with `opener` (xdg-open); rejects with one line when it cannot be run. */
export function openInBrowser(url: string, opener = 'xdg-open'): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
    child.once('error', (err) => reject(new ArborError('ENOBROWSER', `cannot run ${opener} (${err.message}); open ${url} yourself, or use git arbor web --print`)));
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
