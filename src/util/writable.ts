// Whether a directory can be written: the probe read commands use to stay read-only and write
// commands use to refuse up front.

import { access, constants } from 'node:fs/promises';
import { errnoCode } from './errors.js';

/**
 * The errno that stops writing into `dir` (EROFS on a read-only mount, EACCES/EPERM without
 * permission), or undefined when it can be written. access(2) reports EROFS for read-only mounts
 * even to root. A missing directory is not a denial (whoever writes creates it).
 */
export async function writeDenied(dir: string): Promise<string | undefined> {
  try {
    await access(dir, constants.W_OK);
    return undefined;
  } catch (err) {
    const code = errnoCode(err);
    return code === 'EROFS' || code === 'EACCES' || code === 'EPERM' ? code : undefined;
  }
}
