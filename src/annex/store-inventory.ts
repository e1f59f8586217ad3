// What an object store really holds: a walk of annex/objects in both hash layouts, for inventory checks.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../util/errors.js';
import { fileNameToKey, formatKey, parseKey } from './key.js';
import { OBJECTS_DIR } from './locations.js';

/** Hash directories read at once. */
const DIR_BATCH = 64;

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
    // The hash directories of one level-1 directory are read together (the thread pool keeps
    // several reads in flight): one at a time, a store of 100,000 objects took 20 s to list.
    const second = (await subdirs(join(top, a))).map((b) => join(top, a, b));
    for (let i = 0; i < second.length; i += DIR_BATCH) {
      const found = await Promise.all(second.slice(i, i + DIR_BATCH).map((dir) => objectsIn(dir)));
      for (const names of found) {
        for (const name of names) {
          const key = parseKey(fileNameToKey(name));
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

/** The key directories in a hash directory that hold their object file. */
async function objectsIn(dir: string): Promise<string[]> {
  const names = await subdirs(dir);
  const present = await Promise.all(names.map((n) => isFile(join(dir, n, n))));
  return names.filter((_, j) => present[j]);
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
