#!/usr/bin/env node
import { existsSync } from 'node:fs';
// The bundle (npm run build) starts faster; dist/cli/main.js is the same code as separate modules.
const bundle = new URL('../dist/bundle/main.js', import.meta.url);
const { main } = await import(existsSync(bundle) ? bundle.href : '../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
