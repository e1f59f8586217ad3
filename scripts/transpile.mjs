#!/usr/bin/env node
// Turns TypeScript into JavaScript file by file with esbuild: no bundling and no type checking.
// Usage: node scripts/transpile.mjs OUTDIR ROOT DIR...   (every DIR/**/*.ts, paths kept relative to ROOT)
//
// Types are checked once, by tsc in `npm run typecheck` (CI runs it before the tests, and the test
// runner runs it when CI has not). Emitting with tsc as well checked the same types twice more:
// once for dist/ and once for the compiled tests, about 45 s of one core on every CI run. The
// compiler options that change the JavaScript (ES modules, verbatimModuleSyntax, isolatedModules,
// class fields for ES2022) are ones esbuild reads from tsconfig.json.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

function walk(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const [outdir, root, ...dirs] = process.argv.slice(2);
if (!outdir || !root || dirs.length === 0) {
  console.error('usage: node scripts/transpile.mjs OUTDIR ROOT DIR...');
  process.exit(2);
}
// What the last run left (a module since removed or renamed) must not linger.
for (const dir of dirs) rmSync(join(outdir, relative(root, dir)), { recursive: true, force: true });
await build({
  entryPoints: dirs.flatMap(walk),
  outdir,
  outbase: root,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // The maps point at the .ts files (as tsc's did) rather than carry them: a process run with
  // --enable-source-maps parses the map of every module it loads.
  sourcesContent: false,
  logLevel: 'warning',
});
