// Where the status page is served: the port (git config arbor.web.port, or one derived from the repository) and the file that tells `git arbor web` the address.
//
// Two repositories' assistants must not clash, so the default port is derived from the
// repository's path (17000–17999); when that port is taken anyway the page moves to any free
// port. Either way the port and the secret are written to .git/annex/arbor/web.json (mode 0600,
// like the secret in git-annex's webapp URL file), which is where `git arbor web` finds them.

import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { ArborError } from '../../util/errors.js';

/** The git config key that fixes the page's port (0: any free port). */
export const WEB_PORT_KEY = 'arbor.web.port';

/** First port of the default range. */
const DEFAULT_BASE = 17000;
/** Ports in the default range. */
const DEFAULT_SPAN = 1000;

/** What web.json holds. */
export interface WebAddress {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
}

/** arbor.web.port is not a port number. */
export class WebPortError extends ArborError {
  constructor(value: string) {
    super('EBADSETTING', `git config ${WEB_PORT_KEY}=${value} is not a port number (0-65535; 0 picks a free port)`, { data: { value } });
  }
}

/** `<git dir>/annex/arbor/web.json`. */
export function webAddressPath(gitDir: string): string {
  return join(gitDir, 'annex', 'arbor', 'web.json');
}

/** The default port for a repository at `path` (FNV-1a of the path, into 17000–17999). */
export function defaultWebPort(path: string): number {
  let h = 0x811c9dc5;
  for (const c of Buffer.from(path)) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return DEFAULT_BASE + (h % DEFAULT_SPAN);
}

/** The configured port, or undefined when arbor.web.port is unset. */
export function parseWebPort(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value.trim());
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new WebPortError(value);
  return n;
}

/** A fresh secret for the page's URL (256 bits, URL-safe). */
export function newWebToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Writes web.json (readable by the owner only: it holds the secret). */
export async function writeWebAddress(gitDir: string, address: WebAddress): Promise<void> {
  await writeFileAtomic(webAddressPath(gitDir), JSON.stringify(address) + '\n', { mode: 0o600 });
}

/** Removes web.json (the page stopped with the assistant). */
export async function removeWebAddress(gitDir: string): Promise<void> {
  await rm(webAddressPath(gitDir), { force: true });
}

/** The page's address the running assistant `pid` wrote, or undefined (none written, or another run's). */
export async function readWebAddress(gitDir: string, pid: number): Promise<WebAddress | undefined> {
  try {
    const a = JSON.parse(await readFile(webAddressPath(gitDir), 'utf8')) as Partial<WebAddress>;
    if (a.pid !== pid || typeof a.port !== 'number' || typeof a.url !== 'string') return undefined;
    return { pid: a.pid, port: a.port, url: a.url };
  } catch {
    return undefined;
  }
}
