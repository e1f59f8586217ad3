// Listing what a test left on disk.
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file under `dir` (not directories), relative to it, "/"-separated, sorted; [] when `dir` is not there. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .sort();
}
