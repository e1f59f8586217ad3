#!/usr/bin/env node
// Bundles the built CLI (dist/cli/main.js) into dist/bundle/ with esbuild (run by npm run build).
//
// Every command starts a fresh node process, and before the bundle about half of a short
// command's CPU went to finding, reading and compiling about a hundred separate modules. The
// bundle keeps the lazy loading of commands (code splitting: each command's code is its own
// chunk, shared code in common chunks), so `version` still loads almost nothing. Native modules
// (usb, @parcel/watcher) stay outside. bin/git-arbor.js uses the bundle when it is there and
// dist/cli/main.js otherwise.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

const outdir = new URL('../dist/bundle/', import.meta.url).pathname;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: {
    main: new URL('../dist/cli/main.js', import.meta.url).pathname,
    // What git starts as the filter process (bin/git-arbor.js): the filter without the CLI.
    'filter-main': new URL('../dist/cli/filter-main.js', import.meta.url).pathname,
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['usb', '@parcel/watcher'],
  // CommonJS dependencies bundled into ES modules still call require for node's own modules.
  banner: { js: "import { createRequire as __arborCreateRequire } from 'node:module'; const require = __arborCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
});
console.log('bundle: dist/bundle/main.js');
