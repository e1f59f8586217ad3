// What an object store really holds: a walk of annex/objects in both hash layouts, for inventory checks.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../util/errors.js';
import { fileNameToKey, formatKey, parseKey } from './key.js';
import { OBJECTS_DIR } from './locations.js';

/** Object directories checked at once inside one hash directory. */
const STAT_BATCH = 64;

/**
 * Every key whose object file is in the store under `gitDir`, in either hash layout (mixed
 * "Xx/Yy/KEY/KEY" or lower "xxx/yyy/KEY/KEY"), each once, formatted. A key directory without its
 * object file (content removed by hand, or a crash before the rename) does not count; names that
 * do not parse as keys are left out. A store that is not there is empty; other read errors throw.
 */
export async function* storeKeys(gitDir: string): AsyncGenerator<string> {
  const top = join(gitDir, OBJECTS_DIR);
  const seen = new Set<string>();
  for (const a of await subdirs(top)) {
    for (const b of await subdirs(join(top, a))) {
      const dir = join(top, a, b);
      const names = await subdirs(dir);
      for (let i = 0; i < names.length; i += STAT_BATCH) {
        const batch = names.slice(i, i + STAT_BATCH);
        const present = await Promise.all(batch.map((n) => isFile(join(dir, n, n))));
        for (let j = 0; j < batch.length; j++) {
          if (!present[j]) continue;
          const key = parseKey(fileNameToKey(batch[j] as string));
          if (!key) continue;
          const text = formatKey(key);
          if (seen.has(text)) continue; // the same object in both layouts
          seen.add(text);
          yield text;
        }
      }
    }
  }
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return [];
    throw err;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return false;
    throw err;
  }
}
