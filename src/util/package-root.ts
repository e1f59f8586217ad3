// Where this installation of arbor lives: the folder holding its package.json, bin/ and web/.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

/**
 * The package's root folder, found by walking up from this module to the nearest package.json,
 * so it is right from dist/, from the bundle in dist/bundle/ and from the compiled tests alike.
 */
export function packageRoot(): string {
  if (found === undefined) {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
    found = dir;
  }
  return found;
}
